"""Service processes of `unionfed run`: environment, start, readiness, supervision, shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ._util import die_with_parent, port_is_free, port_owner, tail
from .postgres import sqlalchemy_url
from .services import ServiceSpec
from .stack import DevStack


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
    _handle: IO[bytes] | None = field(default=None, repr=False)

    def start(self, env: Mapping[str, str]) -> None:
        if not port_is_free(self.spec.port):
            owner = port_owner(self.spec.port)
            raise ServiceError(
                f"port {self.spec.port} for {self.spec.name} is taken{f' by {owner}' if owner else ''}: "
                "stop what listens there (a previous `unionfed run`?)"
            )
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.log_file.open("wb")
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
