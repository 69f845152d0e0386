"""The development stack: external Postgres/Kafka when the environment names them, else embedded ones."""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

from ._util import free_port, port_is_free
from .broker import EmbeddedBroker
from .mailbox import Mailbox
from .postgres import EmbeddedPostgres, admin_url_from
from .receiver import Receiver

DEFAULT_PG_PORT = 55432
DEFAULT_KAFKA_PORT = 19092
DEFAULT_SMTP_PORT = 2525
DEFAULT_RECEIVER_PORT = 8190
DEFAULT_DISTRICTS = ("huangpu", "xuhui", "changning", "pudong", "minhang", "jiading")


def find_repo_root(start: Path | None = None) -> Path:
    """The nearest folder upwards whose pyproject.toml declares the uv workspace, else the cwd."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text())
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if "workspace" in data.get("tool", {}).get("uv", {}):
                return folder
    return here


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    configured = env.get("UNIONFED_DATA_DIR")
    return Path(configured).expanduser().resolve() if configured else find_repo_root() / ".data"


def dev_secret(path: Path, nbytes: int = 32) -> str:
    """A random hex secret generated once into `path` and reused by every later run."""
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(nbytes)
    # Create with 0600 from the start: it signs every dev token.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def districts_from(option: str | None, env: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    raw = option or env.get("UNIONFED_DISTRICTS") or ",".join(DEFAULT_DISTRICTS)
    return [d.strip() for d in raw.split(",") if d.strip()]


def _local_port(env: Mapping[str, str], name: str, default: int) -> int:
    """The port named in the environment, else the default if free, else any free port (a local
    catcher's port matters less than starting: the summary prints where it listens)."""
    if env.get(name):
        return _port(env, name, default)
    return default if port_is_free(default) else free_port()


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a port number") from None


class DevStack:
    """Postgres + Kafka for `unionfed run`: decides per dependency whether to start an embedded one."""

    def __init__(
        self,
        root: Path | None = None,
        env: Mapping[str, str] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        self.root = root or data_dir(self.env)
        self._log = log or (lambda _msg: None)
        self.postgres: EmbeddedPostgres | None = None
        self.broker: EmbeddedBroker | None = None
        # Where e-mail and SMS go in development, unless providers are configured.
        self.mailbox: Mailbox | None = None
        self.receiver: Receiver | None = None
        admin = self.env.get("DATABASE_ADMIN_URL")
        if not admin and self.env.get("DATABASE_URL"):
            admin = admin_url_from(self.env["DATABASE_URL"])
        self._external_pg = admin or None
        self._external_kafka = self.env.get("KAFKA_BOOTSTRAP_SERVERS") or None
        self.pg_port = _port(self.env, "UNIONFED_PG_PORT", DEFAULT_PG_PORT)
        self.kafka_port = _port(self.env, "UNIONFED_KAFKA_PORT", DEFAULT_KAFKA_PORT)

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def pg_admin_url(self) -> str:
        if self._external_pg:
            return self._external_pg
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres"

    @property
    def kafka_bootstrap(self) -> str:
        return self._external_kafka or f"127.0.0.1:{self.kafka_port}"

    @property
    def postgres_is_embedded(self) -> bool:
        return self._external_pg is None

    @property
    def kafka_is_embedded(self) -> bool:
        """True when the broker is our Tansu (no idempotent producer, memory only)."""
        return self._external_kafka is None

    @property
    def jwt_secret(self) -> str:
        return self.env.get("JWT_SECRET") or dev_secret(self.root / "dev-jwt-secret")

    @property
    def national_id_key(self) -> str:
        return self.env.get("NATIONAL_ID_KEY") or dev_secret(self.root / "dev-national-id-key")

    @property
    def mail_folder(self) -> Path:
        """Where the local SMTP server writes each message it accepts, one `.eml` file each."""
        return self.root / "mail"

    @property
    def received_file(self) -> Path:
        """Where the local HTTP receiver writes each request (SMS, webhooks), one JSON line each."""
        return self.root / "received.jsonl"

    def notifications_env(self) -> dict[str, str]:
        """The providers of the notifications service: the local catchers, unless set already."""
        env: dict[str, str] = {}
        if self.mailbox is not None:
            env["EMAIL_PROVIDERS"] = json.dumps([self.mailbox.url])
        if self.receiver is not None:
            env["SMS_PROVIDERS"] = json.dumps([f"{self.receiver.url}/sms"])
            env["SMS_API_KEYS"] = json.dumps(["development"])
        return env

    def start_catchers(self) -> None:
        """The local SMTP server and HTTP receiver (each unless its providers are configured)."""
        if not self.env.get("EMAIL_PROVIDERS"):
            port = _local_port(self.env, "UNIONFED_SMTP_PORT", DEFAULT_SMTP_PORT)
            self.mailbox = Mailbox(port=port, folder=self.mail_folder)
            self.mailbox.start()
        if not self.env.get("SMS_PROVIDERS"):
            port = _local_port(self.env, "UNIONFED_RECEIVER_PORT", DEFAULT_RECEIVER_PORT)
            self.receiver = Receiver(port=port, log_file=self.received_file)
            self.receiver.start()

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.postgres_is_embedded:
            self.postgres = EmbeddedPostgres(self.root / "postgres", self.pg_port, log=self._log)
            self.postgres.start()
        if self.kafka_is_embedded:
            self.broker = EmbeddedBroker(self.kafka_port, log_dir=self.logs_dir, log=self._log)
            try:
                self.broker.start()
            except BaseException:
                self.broker = None
                self.stop()  # do not leave Postgres running behind a failed start
                raise
        try:
            self.start_catchers()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Catchers, broker, then Postgres; each only if we started it."""
        broker, self.broker = self.broker, None
        postgres, self.postgres = self.postgres, None
        mailbox, self.mailbox = self.mailbox, None
        receiver, self.receiver = self.receiver, None
        try:
            if mailbox is not None:
                mailbox.stop()
            if receiver is not None:
                receiver.stop()
            if broker is not None:
                self._log(f"stopping Kafka broker (tansu, {broker.bootstrap})")
                broker.stop()
        finally:
            if postgres is not None:
                self._log(f"stopping PostgreSQL (127.0.0.1:{postgres.port})")
                postgres.stop()

    def __enter__(self) -> DevStack:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
