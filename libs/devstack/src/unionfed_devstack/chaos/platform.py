"""The platform under test: embedded PostgreSQL and Tansu, the membership service as a
supervised process (as under `unionfed run`), and the knobs the scenarios turn."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
from unionfed_events import topics

from .._util import free_port, run_sync
from ..broker import ensure_topics
from ..postgres import ensure_database
from ..runner import ServiceProcess, Supervisor, revive_broker, service_env
from ..services import SERVICES, ServiceSpec, consumer_groups
from ..stack import DevStack
from .load import SYSTEM

DISTRICT = "chaos"
MEMBERSHIP = next(s for s in SERVICES if s.name == "membership")


def issue_dev_token(secret: str) -> str:
    """The one place chaos mints a token: a federation admin of the membership service, as an
    officer tool would hold (a development token: the service runs with ENVIRONMENT=development)."""
    from unionfed_chassis.auth import audience_of, issue_token

    return issue_token(
        secret, role="federation_admin", subject="chaos", audience=audience_of(MEMBERSHIP.name)
    )


class ChaosPlatform:
    """Start with `with ChaosPlatform(root) as platform:`; everything stops at the end."""

    def __init__(
        self, root: Path, *, log: Callable[[str], None], ports: dict[str, int] | None = None
    ) -> None:
        ports = ports or {}
        self.root = root
        self.log = log
        env = {
            "UNIONFED_PG_PORT": str(ports.get("pg") or free_port()),
            "UNIONFED_KAFKA_PORT": str(ports.get("kafka") or free_port()),
            "PATH": os.environ.get("PATH", ""),
        }
        self.stack = DevStack(root=root, env=env, log=log)
        self.spec = dataclasses.replace(MEMBERSHIP, port=ports.get("http") or free_port())
        self.service = ServiceProcess(self.spec, self.stack.logs_dir / "membership.log")
        self.extras: list[ServiceProcess] = []  # more instances of the service (rebalance storm)
        self.topic_specs = topics.platform_topics([DISTRICT], consumer_groups())
        self.branches: list[str] = []
        self._supervisor: Supervisor | None = None
        self._stop_supervisor: Callable[[], None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> ChaosPlatform:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.stack.start()
        run_sync(ensure_database(self.stack.pg_admin_url, self.spec.database))
        run_sync(ensure_topics(self.stack.kafka_bootstrap, self.topic_specs))
        self.service.start(self.env(self.spec))
        self.service.wait_ready(120)
        self._supervisor = Supervisor([self.service], self.env, log=self.log, stable_after=5)
        self._stop_supervisor = self._supervisor.run_in_thread()
        self.branches = run_sync(self._create_organisation())

    def stop(self) -> None:
        if self._stop_supervisor is not None:
            self._stop_supervisor()
            self._stop_supervisor = None
        for proc in [*self.extras, self.service]:
            proc.stop()
        self.stack.stop()

    def env(self, spec: ServiceSpec) -> dict[str, str]:
        # A short metadata age: the registration consumer finds the branch system's new inbound
        # topic within seconds instead of the production default's 30.
        env = service_env(self.stack, spec)
        return {**env, "LOG_LEVEL": "WARNING", "KAFKA_METADATA_MAX_AGE_MS": "3000"}

    @property
    def url(self) -> str:
        return self.spec.url

    @property
    def bootstrap(self) -> str:
        return self.stack.kafka_bootstrap

    @property
    def database_dsn(self) -> str:
        return self.stack.pg_admin_url.rsplit("/", 1)[0] + f"/{self.spec.database}"

    def token(self) -> str:
        return issue_dev_token(self.stack.jwt_secret)

    async def _create_organisation(self, branches: int = 8) -> list[str]:
        headers = {"Authorization": f"Bearer {self.token()}"}
        async with httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30) as client:
            r = await client.post("/districts", json={"code": DISTRICT, "name": "混沌区"})
            if r.status_code not in (201, 409, 422):
                raise RuntimeError(f"could not create district {DISTRICT}: {r.status_code} {r.text}")
            ids = []
            for n in range(branches):
                body = {
                    "name": f"上海混沌{n}号物流有限公司工会",
                    "kind": "enterprise",
                    "industry": "logistics",
                    "district": DISTRICT,
                    "auto_approve": True,
                    "branch_id": f"chaos-b{n}",
                }
                r = await client.post("/branches", json=body)
                if r.status_code != 201 and (await client.get(f"/branches/chaos-b{n}")).status_code != 200:
                    raise RuntimeError(f"could not create branch chaos-b{n}: {r.status_code} {r.text}")
                ids.append(f"chaos-b{n}")
            system = {"system_id": SYSTEM, "district": DISTRICT, "name": "混沌测试系统", "branch_ids": ids}
            r = await client.post("/branch-systems", json=system)
            if r.status_code != 201 and (await client.get(f"/branch-systems/{SYSTEM}")).status_code != 200:
                raise RuntimeError(f"could not register branch system {SYSTEM}: {r.status_code} {r.text}")
        # A broker restart re-creates these with the platform's topics (see revive_broker).
        self.topic_specs += topics.system_topics("membership", DISTRICT, SYSTEM)
        return ids

    # -- what scenarios do -------------------------------------------------------------------

    def kill_service(self) -> None:
        """kill -9 of the membership process; the supervisor brings it back."""
        pid = self.service.pid
        if pid is not None:
            os.kill(pid, signal.SIGKILL)

    @property
    def restarts(self) -> int:
        return self.service.restarts

    def restarted_since(self, restarts: int) -> bool:
        return self.service.restarts > restarts

    def is_ready(self, spec: ServiceSpec | None = None) -> bool:
        try:
            with urllib.request.urlopen(f"{(spec or self.spec).url}/health/ready", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 120) -> float:
        """Seconds until /health/ready answers 200 (polled); raises TimeoutError."""
        started = time.monotonic()
        while not self.is_ready():
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"membership not ready after {timeout:.0f}s; see {self.service.log_file}")
            time.sleep(0.1)
        return time.monotonic() - started

    def stop_postgres(self) -> None:
        assert self.stack.postgres is not None, "the chaos platform always embeds PostgreSQL"
        self.stack.postgres.stop()

    def start_postgres(self) -> None:
        assert self.stack.postgres is not None
        self.stack.postgres.start()

    def start_extra_instance(self) -> ServiceProcess:
        """Another membership process: same database, same consumer group, its own port.

        Call it from the main thread: a child dies with the thread that started it (PR_SET_PDEATHSIG
        is per thread), and asyncio.to_thread's workers end with the scenario's event loop."""
        spec = dataclasses.replace(self.spec, port=free_port())
        proc = ServiceProcess(spec, self.stack.logs_dir / f"membership-{spec.port}.log")
        proc.start(self.env(spec))
        self.extras.append(proc)
        return proc

    def stop_extra_instance(self, proc: ServiceProcess, *, hard: bool) -> None:
        if hard and proc.pid is not None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.stop()
        self.extras.remove(proc)

    def kill_broker(self) -> None:
        """kill -9 of the embedded broker: everything it held in memory is gone."""
        broker = self.stack.broker
        assert broker is not None and broker.pid is not None
        os.kill(broker.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while broker.is_running() and time.monotonic() < deadline:
            time.sleep(0.05)

    def revive_broker(self) -> bool:
        """What `unionfed run` does when the embedded broker died (the same function). From the
        main thread, like `start_extra_instance`."""
        return revive_broker(self.stack, self.topic_specs, self.log)

    async def connect_db(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.database_dsn)
