"""pytest fixtures for a real Postgres and a real Kafka-protocol broker (registered as plugin `unionfed`).

Per dependency, first match wins:
  1. environment: KAFKA_BOOTSTRAP_SERVERS / DATABASE_ADMIN_URL (used as is, never stopped);
  2. testcontainers, when a Docker engine answers within 3 s;
  3. the embedded servers (Tansu, PostgreSQL 18) on free ports in a fresh temp dir, torn down at the end.
Set UNIONFED_DEVSTACK_BACKEND=embedded (or =containers) to skip the detection.

Fixtures are sync and session scoped so they work under any event loop (or none).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from ._util import free_port, run_sync
from .postgres import admin_url_from, ensure_database, sqlalchemy_url


class BrokerControl(Protocol):
    bootstrap: str

    def stop(self) -> None: ...

    def start(self) -> None: ...

    def stopped(self) -> AbstractContextManager[None]: ...


class _Stoppable:
    """`with broker_control.stopped():` restarts the broker even when the block fails."""

    def stop(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    @contextmanager
    def stopped(self) -> Iterator[None]:
        self.stop()
        try:
            yield
        finally:
            self.start()


@dataclass
class KafkaHandle:
    bootstrap: str
    idempotence: bool
    kind: str  # "external" | "container" | "embedded"
    control: BrokerControl | None = None


class EmbeddedBrokerControl(_Stoppable):
    """Stop/start the embedded Tansu on the same port.

    Tansu keeps everything in memory, so a restart loses all topics (and records): start()
    re-creates the topics that existed at stop() with their partition counts. Records are gone.
    """

    def __init__(self, broker: Any) -> None:
        self._broker = broker
        self.bootstrap: str = broker.bootstrap
        self._topics: dict[str, int] = {}

    def stop(self) -> None:
        from .broker import describe_partitions, list_topics

        if self._broker.is_running():
            self._topics = run_sync(
                describe_partitions(self.bootstrap, run_sync(list_topics(self.bootstrap)))
            )
        self._broker.stop()

    def start(self) -> None:
        from unionfed_events.topics import TopicSpec

        from .broker import ensure_topics

        self._broker.start()
        specs = [TopicSpec(name, partitions) for name, partitions in self._topics.items()]
        run_sync(ensure_topics(self.bootstrap, specs))


class ContainerBrokerControl(_Stoppable):
    """docker pause/unpause: same port and data; clients see timeouts rather than refused connections."""

    def __init__(self, container: Any) -> None:
        self._container = container
        self.bootstrap: str = container.get_bootstrap_server()

    def stop(self) -> None:
        self._container.get_wrapped_container().pause()

    def start(self) -> None:
        self._container.get_wrapped_container().unpause()


@functools.cache
def docker_available() -> bool:
    backend = os.environ.get("UNIONFED_DEVSTACK_BACKEND", "auto")
    if backend in ("embedded", "containers"):
        return backend == "containers"
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return False
    try:
        import docker

        return bool(docker.from_env(timeout=3).ping())
    except Exception:  # no SDK, no engine, no permission: all mean "use the embedded servers"
        return False


def _sanitize(prefix: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]", "_", prefix.lower()).strip("_") or "test"
    return cleaned[:40]


@pytest.fixture(scope="session")
def _unionfed_tmp() -> Iterator[Path]:
    # Not tmp_path_factory: its folders are 0700 and owned by root, which the postgres system user
    # (used when running as root) could not traverse; we grant search permission on our own folder.
    path = Path(tempfile.mkdtemp(prefix="unionfed-devstack-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def _unionfed_kafka(_unionfed_tmp: Path) -> Iterator[KafkaHandle]:
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        idempotence = os.environ.get("KAFKA_ENABLE_IDEMPOTENCE", "true").lower() not in ("0", "false", "no")
        yield KafkaHandle(external, idempotence, "external")
        return
    if docker_available():
        try:
            from testcontainers.community.kafka import KafkaContainer
        except ImportError:  # testcontainers < 4.10 layout
            from testcontainers.kafka import KafkaContainer

        container = KafkaContainer(os.environ.get("UNIONFED_TEST_KAFKA_IMAGE", "confluentinc/cp-kafka:7.6.0"))
        container.start()
        try:
            yield KafkaHandle(
                container.get_bootstrap_server(), True, "container", ContainerBrokerControl(container)
            )
        finally:
            container.stop()
        return
    from .broker import EmbeddedBroker

    broker = EmbeddedBroker(free_port(), log_dir=_unionfed_tmp)
    broker.start()
    try:
        yield KafkaHandle(broker.bootstrap, False, "embedded", EmbeddedBrokerControl(broker))
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def pg_admin_url(_unionfed_tmp: Path) -> Iterator[str]:
    """asyncpg-style URL of the `postgres` database of a server the tests may create databases on."""
    external = os.environ.get("DATABASE_ADMIN_URL")
    if external:
        yield external
        return
    if docker_available():
        try:
            from testcontainers.community.postgres import PostgresContainer
        except ImportError:
            from testcontainers.postgres import PostgresContainer

        container = PostgresContainer(
            os.environ.get("UNIONFED_TEST_PG_IMAGE", "postgres:18-alpine"), driver=None
        )
        container.start()
        try:
            yield admin_url_from(container.get_connection_url())
        finally:
            container.stop()
        return
    from .postgres import EmbeddedPostgres

    server = EmbeddedPostgres(_unionfed_tmp / "pg", free_port(), fast=True)
    server.start()
    try:
        yield server.admin_url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def make_database(pg_admin_url: str) -> Callable[..., str]:
    """`make_database("membership")` -> SQLAlchemy asyncpg URL of a fresh, uniquely named database."""

    def make(name_prefix: str = "test") -> str:
        name = f"{_sanitize(name_prefix)}_{uuid.uuid4().hex[:10]}"
        run_sync(ensure_database(pg_admin_url, name))
        return sqlalchemy_url(pg_admin_url, name)

    return make


@pytest.fixture(scope="session")
def kafka_bootstrap(_unionfed_kafka: KafkaHandle) -> str:
    return _unionfed_kafka.bootstrap


@pytest.fixture(scope="session")
def kafka_idempotence(_unionfed_kafka: KafkaHandle) -> bool:
    """Pass as enable_idempotence=: False on Tansu, which rejects idempotent producers."""
    return _unionfed_kafka.idempotence


@pytest.fixture(scope="session")
def broker_control(_unionfed_kafka: KafkaHandle) -> BrokerControl:
    if _unionfed_kafka.control is None:
        pytest.skip(f"cannot stop/start an external broker ({_unionfed_kafka.bootstrap})")
    return _unionfed_kafka.control


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A local SMTP server (`unionfed_devstack.mailbox.Mailbox`) on a free port, for one test:
    `smtp_server.url` is the provider URL, `await smtp_server.wait_for(address)` the messages."""
    from .mailbox import Mailbox

    with Mailbox() as box:
        yield box


@pytest.fixture
def http_receiver() -> Iterator[Any]:
    """A local HTTP receiver (`unionfed_devstack.receiver.Receiver`) on a free port, for one test:
    `http_receiver.url`, `fail_next(path, n)`, `await http_receiver.wait_for(path)`."""
    from .receiver import Receiver

    with Receiver() as receiver:
        yield receiver
