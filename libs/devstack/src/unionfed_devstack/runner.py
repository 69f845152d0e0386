"""Service processes of `unionfed run`: environment, start, readiness, supervision, shutdown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ._util import die_with_parent, port_is_free, port_owner, run_sync, tail
from .broker import ensure_topics
from .postgres import sqlalchemy_url
from .services import SERVICES, ServiceSpec
from .stack import DevStack

if TYPE_CHECKING:
    from unionfed_events.topics import TopicSpec


class ServiceError(RuntimeError):
    """A service did not come up or died; the message carries the tail of its log."""


def service_env(stack: DevStack, spec: ServiceSpec, base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(
        DATABASE_URL=sqlalchemy_url(stack.pg_admin_url, spec.database),
        KAFKA_BOOTSTRAP_SERVERS=stack.kafka_bootstrap,
        JWT_SECRET=stack.jwt_secret,
        NATIONAL_ID_KEY=stack.national_id_key,
        ENVIRONMENT="development",
        SERVICE_NAME=spec.name,
        LOG_LEVEL=env.get("LOG_LEVEL", "INFO"),
        PYTHONUNBUFFERED="1",  # log lines reach the file as they happen
    )
    if spec.name == "notifications":
        env.update(stack.notifications_env())
    if spec.name == "console":  # where the services it reads AsyncAPI documents and outboxes from are
        env["SERVICES"] = json.dumps({s.name: s.url for s in SERVICES if s.name != "console"})
    if stack.kafka_is_embedded:
        env["KAFKA_ENABLE_IDEMPOTENCE"] = "false"  # Tansu rejects idempotent producers
    else:
        env.setdefault("KAFKA_ENABLE_IDEMPOTENCE", "true")
    return env


@dataclass
class ServiceProcess:
    spec: ServiceSpec
    log_file: Path
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    _handle: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def start(self, env: Mapping[str, str], *, append_log: bool = False) -> None:
        """Start uvicorn; `append_log` keeps the previous process's lines (a restart after a crash)."""
        if not port_is_free(self.spec.port):
            owner = port_owner(self.spec.port)
            raise ServiceError(
                f"port {self.spec.port} for {self.spec.name} is taken{f' by {owner}' if owner else ''}: "
                "stop what listens there (a previous `unionfed run`?)"
            )
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        if self._handle is not None:
            self._handle.close()
        self._handle = self.log_file.open("ab" if append_log else "wb")
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            self.spec.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.spec.port),
        ]
        self.proc = subprocess.Popen(
            cmd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to the CLI only; it stops services in order
            preexec_fn=die_with_parent,
        )

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def log_tail(self, lines: int = 30) -> str:
        return tail(self.log_file, lines)

    def wait_ready(self, timeout: float) -> float:
        """Poll GET /health/ready until 200; returns seconds waited."""
        started = time.monotonic()
        url = f"{self.spec.url}/health/ready"
        while True:
            code = self.exit_code()
            if code is not None:
                raise ServiceError(
                    f"{self.spec.name} exited with code {code} before it was ready; "
                    f"last lines of {self.log_file}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - started > timeout:
                raise ServiceError(
                    f"{self.spec.name} not ready after {timeout:.0f}s ({url} never answered 200); "
                    f"see {self.log_file}:\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def stop(self, timeout: float = 10) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class Supervisor:
    """Restarts service processes that die, like an orchestrator: the platform keeps running.

    A dead process is restarted after a backoff that doubles with each crash in a row (1 s up to
    `max_backoff`) and falls back to the first step once a process has stayed up `stable_after`
    seconds, so a crash loop does not spin while an occasional crash comes back at once.
    `check()` does one round without blocking; the caller decides how often (CLI loop, a thread).
    """

    def __init__(
        self,
        procs: list[ServiceProcess],
        env_of: Callable[[ServiceSpec], Mapping[str, str]],
        *,
        log: Callable[[str], None],
        first_backoff: float = 1.0,
        max_backoff: float = 30.0,
        stable_after: float = 60.0,
    ) -> None:
        self.procs = procs
        self._env_of = env_of
        self._log = log
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._stable_after = stable_after
        self._started_at: dict[str, float] = {p.spec.name: time.monotonic() for p in procs}
        self._backoff: dict[str, float] = {p.spec.name: first_backoff for p in procs}
        self._restart_at: dict[str, float] = {}
        self._lock = threading.Lock()  # check() runs in a thread while the CLI or chaos reads counts

    def check(self) -> None:
        with self._lock:
            now = time.monotonic()
            for p in self.procs:
                self._check_one(p, now)

    def _check_one(self, p: ServiceProcess, now: float) -> None:
        name = p.spec.name
        if p.proc is None:  # stopped on purpose
            return
        code = p.exit_code()
        if code is None:
            if now - self._started_at[name] >= self._stable_after:
                self._backoff[name] = self._first_backoff
            return
        due = self._restart_at.get(name)
        if due is None:
            delay = self._backoff[name]
            self._restart_at[name] = now + delay
            self._backoff[name] = min(delay * 2, self._max_backoff)
            self._log(
                f"{name} (pid {p.pid}) died with exit code {code}; restarting in {delay:.1f}s "
                f"(restart {p.restarts + 1}); last lines of {p.log_file}:\n{p.log_tail(5)}"
            )
            return
        if now < due:
            return
        del self._restart_at[name]
        try:
            p.start(self._env_of(p.spec), append_log=True)
        except ServiceError as exc:  # e.g. the port is still held: try again after the next backoff
            self._log(f"{name} could not be restarted: {exc}")
            self._restart_at[name] = now + self._backoff[name]
            return
        p.restarts += 1
        self._started_at[name] = now
        self._log(f"{name} restarted as pid {p.pid} (restarts: {p.restarts})")

    def run_in_thread(self, interval: float = 0.2) -> Callable[[], None]:
        """Check every `interval` seconds in a daemon thread; returns the function that stops it.

        Processes restarted there die when the thread ends (die_with_parent's PR_SET_PDEATHSIG
        follows the thread that forked), so stop the thread only when stopping the services."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(interval):
                self.check()

        thread = threading.Thread(target=loop, name="unionfed-supervisor", daemon=True)
        thread.start()

        def stop_thread() -> None:
            stop.set()
            thread.join(5)

        return stop_thread


def revive_broker(stack: DevStack, topic_specs: list[TopicSpec], log: Callable[[str], None]) -> bool:
    """Restart the embedded broker if it died and create the platform topics again.

    Tansu keeps its log in memory: the restarted broker is empty. What comes back: the topics
    (created here, before clients auto-create them with default settings), whatever the outbox had
    not yet published (the relay retries until acknowledged), consumers (they rejoin their groups
    and, with no committed offsets left, read the new log from the start). What is lost: every
    record already on the broker, including dead letters and unread inbound requests."""
    broker = stack.broker
    if broker is None or broker.is_running():
        return False
    log(f"Kafka broker (tansu, {broker.bootstrap}) died; restarting it — its records are lost")
    broker.start()
    created = run_sync(ensure_topics(broker.bootstrap, topic_specs))
    log(f"Kafka broker back; {len(created)} topic(s) re-created")
    return True
