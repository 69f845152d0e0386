"""The notifications service as a real process (`uvicorn notifications.main:app`), for the tests
that kill it or read its memory: its environment, start, readiness, `kill -9`, VmRSS/VmHWM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from notifications.entrypoints.consumers import audience_consumer, events_consumer, member_view_consumer
from unionfed_chassis.settings import ServiceSettings
from unionfed_devstack._util import die_with_parent, free_port
from unionfed_devstack.broker import ensure_topics
from unionfed_devstack.testing import consumer_districts_of, skip_other_districts
from unionfed_events import topics
from unionfed_events.topics import TopicSpec

DOMAINS = ("membership", "assistance", "campaigns", "notifications")


@dataclass
class ServiceProcess:
    env: dict[str, str]
    log_file: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "notifications.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        with self.log_file.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        self.url = f"http://127.0.0.1:{port}"

    async def wait_ready(self, within: float = 90) -> None:
        deadline = time.monotonic() + within
        while True:
            assert self.proc is not None and self.proc.poll() is None, self.log_file.read_text()[-3000:]
            if await asyncio.to_thread(self._ready):
                return
            assert time.monotonic() < deadline, (
                f"not ready after {within}s: {self.log_file.read_text()[-3000:]}"
            )
            await asyncio.sleep(0.2)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health/ready", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def kill(self) -> None:
        """`kill -9`: no shutdown, no last commit."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def memory_kb(self, field: str) -> int:
        """VmRSS (resident now) or VmHWM (the resident peak) of the process, in kB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise KeyError(field)


async def prepare(bootstrap: str, districts: Iterable[str], groups: dict[str, str]) -> None:
    """Topics the process reads and writes exist before it starts (pattern subscriptions see the
    topics of start-up); its groups begin at the end of other tests' districts."""
    districts = list(districts)
    names = [topics.district_events(domain, d) for d in districts for domain in DOMAINS]
    names += [topics.federation_events(domain) for domain in DOMAINS]
    await ensure_topics(bootstrap, [TopicSpec(n) for n in names])
    source = "/unionfed/notifications"
    consumers = [
        member_view_consumer(groups["MEMBER_VIEW_GROUP"], source),
        events_consumer(groups["EVENTS_GROUP"], source),
        audience_consumer(groups["AUDIENCE_GROUP"], source),
    ]
    # Narrowed as the process's CONSUMER_DISTRICTS (`service_env`) narrows them.
    settings = ServiceSettings(environment="development", consumer_districts=consumer_districts_of(districts))
    for consumer in consumers:
        consumer.scope = settings.consumer_scope
    await skip_other_districts(bootstrap, consumers, districts)


def service_env(
    database_url: str,
    bootstrap: str,
    idempotence: bool,
    groups: dict[str, str],
    districts: Iterable[str],
    **extra: str,
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        KAFKA_ENABLE_IDEMPOTENCE=str(idempotence).lower(),
        ENVIRONMENT="development",
        LOG_LEVEL="WARNING",
        OUTBOX_POLL_SECONDS="0.5",
        PYTHONUNBUFFERED="1",
        CONSUMER_DISTRICTS=consumer_districts_of(districts),
        **groups,
        **extra,
    )
    return env
