"""The `unionfed` command: run the platform locally, mint dev tokens, manage topics, tail events."""

from __future__ import annotations

import asyncio
import enum
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from unionfed_chassis.dead_letter_reading import DEFAULT_IDLE, read_dead_letters
from unionfed_events.topics import TopicSpec, dead_letter, platform_topics, retry

from . import dead_letters as dlq
from ._util import run_sync
from .broker import BrokerError, describe_partitions, ensure_topics, list_topics
from .outbox import outbox_app
from .postgres import PostgresError, ensure_database
from .runner import ServiceError, ServiceProcess, Supervisor, revive_broker, service_env
from .services import SERVICES, consumer_groups
from .stack import DEFAULT_KAFKA_PORT, DevStack, data_dir, dev_secret, districts_from
from .tail import tail_events

app = typer.Typer(no_args_is_help=True, help="unionfed developer tools.", pretty_exceptions_enable=False)
topics_app = typer.Typer(no_args_is_help=True, help="Create or list the platform's Kafka topics.")
events_app = typer.Typer(no_args_is_help=True, help="Watch the events flowing through Kafka.")
dlq_app = typer.Typer(
    no_args_is_help=True, help="Count, show and replay dead letters (unionfed.dlq.<consumer-group>)."
)
app.add_typer(topics_app, name="topics")
app.add_typer(events_app, name="events")
app.add_typer(dlq_app, name="dlq")
app.add_typer(outbox_app, name="outbox")

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DISTRICTS_HELP = "Comma-separated district codes (default: $UNIONFED_DISTRICTS or the six dev districts)."


class Role(enum.StrEnum):
    federation_admin = "federation_admin"
    district_officer = "district_officer"
    branch_officer = "branch_officer"
    operator = "operator"
    member = "member"  # notifications' inbox and preferences: --subject is the member id


def _note(message: str) -> None:
    console.print(f"  [dim]{message}[/]")


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C, so `kill` also gets the orderly shutdown."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _ignore_signals() -> None:
    # During shutdown a second Ctrl-C must not abandon half-stopped servers; every step has a timeout.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _summary(stack: DevStack, procs: list[ServiceProcess]) -> None:
    """A table on a terminal; one plain line per fact otherwise (a log file must not wrap at 80)."""
    pg_kind = "embedded PostgreSQL 18" if stack.postgres_is_embedded else "external"
    kafka_kind = "embedded Tansu, memory only" if stack.kafka_is_embedded else "external"
    facts = {
        "Postgres": f"{stack.pg_admin_url}  ({pg_kind})",
        "Kafka": f"{stack.kafka_bootstrap}  ({kafka_kind})",
        "Token": "TOKEN=$(uv run unionfed token --role district_officer --district huangpu)  "
        '&& curl -H "Authorization: Bearer $TOKEN" ...',
        "Events": "uv run unionfed events tail --from-beginning",
    }
    if stack.mailbox is not None:
        facts["E-mail"] = f"{stack.mailbox.url}; each message a file in {stack.mail_folder}"
    if stack.receiver is not None:
        facts["SMS/hooks"] = (
            f"{stack.receiver.url}/sms; all requests: {stack.receiver.url}/_received and {stack.received_file}"
        )
    if not console.is_terminal:
        _plain("unionfed is running")
        for p in procs:
            url = p.spec.url
            _plain(
                f"service {p.spec.name} url={url} docs={url}/docs asyncapi={url}/asyncapi "
                f"metrics={url}/metrics log={p.log_file} pid={p.pid} restarts={p.restarts}"
            )
        for name, fact in facts.items():
            _plain(f"{name.lower()} {fact}")
        return
    table = Table(title="unionfed is running", title_justify="left")
    for column in ("service", "URL", "docs", "AsyncAPI", "metrics", "log", "restarts"):
        table.add_column(column, overflow="fold")
    for p in procs:
        url = p.spec.url
        table.add_row(
            p.spec.name,
            url,
            f"{url}/docs",
            f"{url}/asyncapi",
            f"{url}/metrics",
            str(p.log_file),
            str(p.restarts),
        )
    console.print(table)
    for name, fact in facts.items():
        console.print(f"[bold]{name + ' ' * (9 - len(name))}[/] {escape(fact)}")


def _plain(line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def _seed(stack: DevStack, procs: list[ServiceProcess]) -> None:
    for p in procs:
        if not p.spec.seed_module:
            continue
        console.rule(f"seeding {p.spec.name} ({p.spec.seed_module})")
        result = subprocess.run(
            [sys.executable, "-m", p.spec.seed_module], env=service_env(stack, p.spec), check=False
        )
        if result.returncode != 0:
            err.print(
                f"[yellow]seed {p.spec.seed_module} failed with exit code {result.returncode}; "
                "services keep running — fix it and rerun `unionfed run`[/]"
            )


def _supervise(stack: DevStack, supervisor: Supervisor, topic_specs: list[TopicSpec]) -> None:
    """Until Ctrl-C: restart dead services (and a dead embedded broker) instead of stopping."""
    while True:
        revive_broker(stack, topic_specs, _event)
        supervisor.check()
        time.sleep(0.5)


def _event(message: str) -> None:
    """A supervision event: dated, plain (it may carry a log tail), to stderr like errors."""
    err.print(f"{time.strftime('%H:%M:%S')} {message}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def run(
    no_seed: bool = typer.Option(False, "--no-seed", help="Do not run the services' seed modules."),
    districts: str | None = typer.Option(None, "--districts", help=DISTRICTS_HELP),
    ready_timeout: float = typer.Option(
        60.0, "--ready-timeout", help="Seconds to wait for each /health/ready."
    ),
) -> None:
    """Start Postgres, Kafka and every service; Ctrl-C stops them all."""
    stack = DevStack(log=_note)
    procs: list[ServiceProcess] = []
    exit_code = 0
    with _signals_interrupt():
        try:
            started = time.monotonic()
            with console.status("starting PostgreSQL and Kafka…"):
                stack.start()
            console.print(f"[green]✓[/] Postgres and Kafka up in {time.monotonic() - started:.1f}s")
            with console.status("creating databases and topics…"):
                for spec in SERVICES:
                    if run_sync(ensure_database(stack.pg_admin_url, spec.database)):
                        _note(f"created database {spec.database}")
                specs = platform_topics(districts_from(districts), consumer_groups())
                created = run_sync(ensure_topics(stack.kafka_bootstrap, specs))
            console.print(
                f"[green]✓[/] {len(SERVICES)} database(s), {len(specs)} topics ({len(created)} new)"
            )
            for spec in SERVICES:
                proc = ServiceProcess(spec, stack.logs_dir / f"{spec.name}.log")
                procs.append(proc)
                proc.start(service_env(stack, spec))
            for proc in procs:
                with console.status(f"waiting for {proc.spec.name} ({proc.spec.url}/health/ready)…"):
                    waited = proc.wait_ready(ready_timeout)
                console.print(f"[green]✓[/] {proc.spec.name} ready in {waited:.1f}s")
            _summary(stack, procs)
            if not no_seed:
                _seed(stack, procs)
            console.print("[bold green]running[/] — Ctrl-C to stop")
            supervisor = Supervisor(procs, lambda spec: service_env(stack, spec), log=_event)
            _supervise(stack, supervisor, specs)
        except KeyboardInterrupt:
            console.print("\n[bold]stopping…[/]")
        except (ServiceError, PostgresError, BrokerError, ValueError, OSError) as exc:
            err.print(f"[red]error:[/] {exc}", markup=True)
            exit_code = 1
        finally:
            _ignore_signals()
            for proc in reversed(procs):
                if proc.exit_code() is None and proc.proc is not None:
                    restarts = f" after {proc.restarts} restart(s)" if proc.restarts else ""
                    console.print(f"  stopping {proc.spec.name}{restarts}")
                proc.stop()
            stack.stop()
            console.print("[dim]stopped[/]")
    raise typer.Exit(exit_code)


@app.command()
def token(
    role: Role = typer.Option(..., "--role", help="The role the token grants."),
    district: str | None = typer.Option(None, "--district", help="District code the token is scoped to."),
    branch: str | None = typer.Option(None, "--branch", help="Branch id the token is scoped to."),
    subject: str = typer.Option("dev", "--subject", help="The token's subject (user id)."),
    ttl_hours: float = typer.Option(8.0, "--ttl-hours", help="Lifetime in hours."),
    service: list[str] = typer.Option(
        [], "--service", help="Service the token is for (its audience); repeatable. Default: every service."
    ),
) -> None:
    """Print a development JWT (HS256) signed with $JWT_SECRET or the dev secret in the data folder.

    Services accept it only with ENVIRONMENT=development (as `unionfed run` starts them)."""
    try:
        from unionfed_chassis.auth import audience_of, issue_token
    except ImportError as exc:
        err.print(f"[red]error:[/] unionfed_chassis.auth.issue_token is not available ({exc})")
        raise typer.Exit(1) from exc
    if role == Role.member and (district or branch or not _is_uuid(subject)):
        err.print("[red]error:[/] a member token takes --subject <member id> and no --district or --branch")
        raise typer.Exit(2)
    secret = os.environ.get("JWT_SECRET") or dev_secret(data_dir() / "dev-jwt-secret")
    try:
        jwt = issue_token(
            secret,
            role=role.value,
            subject=subject,
            audience=[audience_of(name) for name in service or [s.name for s in SERVICES]],
            district=district,
            branch=branch,
            ttl_seconds=int(ttl_hours * 3600),
        )
    except ValueError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    typer.echo(jwt)  # plain stdout, so TOKEN=$(unionfed token ...) works


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@app.command("contact-key")
def contact_key(
    key_id: str | None = typer.Option(
        None, "--key-id", help="Id to publish the key under (default: contact-<UTC date and time>)."
    ),
) -> None:
    """Print a new key pair for members' contact points: the private half for notifications
    (CONTACT_PRIVATE_KEY, CONTACT_KEY_ID), the public half for membership (CONTACT_PUBLIC_KEY,
    CONTACT_KEY_ID). Rotation: give notifications the new key and keep the old one in
    CONTACT_PREVIOUS_KEYS, give membership the new public key, then POST /contact-points/republish."""
    from unionfed_chassis import contact_seal

    private = contact_seal.new_private_key()
    kid = key_id or time.strftime("contact-%Y%m%dT%H%M%SZ", time.gmtime())
    typer.echo("# notifications (secret: keep it in the secret store, never in a repository)")
    typer.echo(f"CONTACT_KEY_ID={kid}")
    typer.echo(f"CONTACT_PRIVATE_KEY={private}")
    typer.echo("# membership")
    typer.echo(f"CONTACT_KEY_ID={kid}")
    typer.echo(f"CONTACT_PUBLIC_KEY={contact_seal.public_key_of(private)}")


def _bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or (
        f"127.0.0.1:{os.environ.get('UNIONFED_KAFKA_PORT') or DEFAULT_KAFKA_PORT}"
    )


def _no_broker(bootstrap: str, exc: Exception) -> typer.Exit:
    err.print(
        f"[red]error:[/] no Kafka broker answers at {bootstrap} ({type(exc).__name__}: {exc}); "
        "start `unionfed run` or set KAFKA_BOOTSTRAP_SERVERS"
    )
    return typer.Exit(1)


@topics_app.command("create")
def topics_create(districts: str | None = typer.Option(None, "--districts", help=DISTRICTS_HELP)) -> None:
    """Create every platform topic that is missing."""
    bootstrap = _bootstrap()
    specs = platform_topics(districts_from(districts), consumer_groups())
    try:
        created = run_sync(ensure_topics(bootstrap, specs))
    except BrokerError:
        raise
    except Exception as exc:
        raise _no_broker(bootstrap, exc) from exc
    for name in created:
        console.print(f"[green]+[/] {name}")
    console.print(f"{len(created)} created, {len(specs) - len(created)} already there ({bootstrap})")


@topics_app.command("list")
def topics_list() -> None:
    """List topics with their partition counts."""
    bootstrap = _bootstrap()
    try:
        names = run_sync(list_topics(bootstrap))
        partitions = run_sync(describe_partitions(bootstrap, names))
    except Exception as exc:
        raise _no_broker(bootstrap, exc) from exc
    table = Table("topic", "partitions", title=f"topics on {bootstrap}", title_justify="left")
    for name in names:
        table.add_row(name, str(partitions.get(name, "?")))
    console.print(table)


@events_app.command("tail")
def events_tail(
    types: list[str] = typer.Option(
        [], "--type", help="Event type short name, e.g. MemberJoined (repeatable)."
    ),
    district: list[str] = typer.Option([], "--district", help="District code (repeatable)."),
    from_beginning: bool = typer.Option(False, "--from-beginning", help="Start at the oldest record."),
    limit: int | None = typer.Option(None, "--limit", help="Stop after N events."),
) -> None:
    """Print one line per event on every unionfed.* topic (national ids and phones masked)."""
    bootstrap = _bootstrap()

    def emit(line: str) -> None:
        console.print(line, markup=False, soft_wrap=True)

    try:
        asyncio.run(
            tail_events(
                bootstrap, emit, types=types, districts=district, from_beginning=from_beginning, limit=limit
            )
        )
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        raise _no_broker(bootstrap, exc) from exc


@app.command("api-docs")
def api_docs(
    out: str = typer.Option(
        "docs", "--out", help="Folder; writes asyncapi/<service>.json and openapi/<service>.json."
    ),
) -> None:
    """Export each service's AsyncAPI 3 and OpenAPI documents, generated from its code, without starting it."""
    import importlib
    import json
    from pathlib import Path

    # Importing an app builds it from settings; the documents need no real secrets.
    os.environ.setdefault("ENVIRONMENT", "development")
    for spec in SERVICES:
        module_name, _, attr = spec.app.partition(":")
        service_app = getattr(importlib.import_module(module_name), attr)
        documents = {  # sorted keys: FastStream's channel order varies between runs
            "asyncapi": json.loads(service_app.state.asyncapi.to_specification().to_json()),
            "openapi": service_app.openapi(),
        }
        for kind, document in documents.items():
            target = Path(out) / kind / f"{spec.name}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
            target.write_text(text + "\n", encoding="utf-8")
            console.print(f"[green]✓[/] {target}")


REPLAY_HELP = (
    "Republish a consumer group's dead letters to its retry topic unionfed.retry.<group> (original key, "
    "value and headers, dlq_* dropped), which only that group reads: after a fix, the group that failed "
    "them processes them again and no other group sees them twice."
    "\n\n"
    "Each replayed letter is recorded on unionfed.dlq-replays (who: --by or $USER; why: --reason; when; which letter by "
    "DLQ partition/offset), so replaying again does nothing for letters already replayed, and "
    "`unionfed dlq list` shows what is still unreplayed. One run replays each event at most once; the "
    "dead letters stay on the DLQ topic."
    "\n\n"
    "Idempotent producer: $KAFKA_ENABLE_IDEMPOTENCE (default: off for the embedded broker, on when "
    "$KAFKA_BOOTSTRAP_SERVERS is set)."
)
IDLE_HELP = "Stop reading after this many seconds without a record (end offsets are not trusted)."


def _reason_width() -> int | None:
    """Cut reasons to the terminal's width; no cut when the output is not a terminal."""
    return console.width if console.is_terminal else None


def _dlq_failure(bootstrap: str, exc: Exception) -> typer.Exit:
    from aiokafka.errors import KafkaConnectionError

    if isinstance(exc, KafkaConnectionError | TimeoutError | OSError):
        return _no_broker(bootstrap, exc)
    err.print(f"[red]error:[/] {escape(f'{type(exc).__name__}: {exc}')}")
    return typer.Exit(1)


def _print_line(line: str) -> None:
    console.print(line, markup=False, soft_wrap=True)


@dlq_app.command("list")
def dlq_list(idle: float = typer.Option(DEFAULT_IDLE, "--idle", help=IDLE_HELP)) -> None:
    """Every unionfed.dlq.* topic: its dead letters, how many were replayed, how many are still not."""
    bootstrap = _bootstrap()
    try:
        counts = run_sync(dlq.count_by_group(bootstrap, idle))
    except Exception as exc:
        raise _dlq_failure(bootstrap, exc) from exc
    if not counts:
        console.print(f"no dead-letter topics on {bootstrap}")
        return
    columns = ("topic", "consumer group", "dead letters", "replayed", "unreplayed")
    rows = [(c.topic, c.group, str(c.total), str(c.replayed), str(c.unreplayed)) for c in counts]
    if not console.is_terminal:
        # Scripts and pipes get tab-separated lines: a table squeezed to the default 80 columns
        # wraps long topic names over several lines, so no line holds a whole row.
        for row in (columns, *rows):
            typer.echo("\t".join(row))  # not console.print, which expands tabs into spaces
        return
    table = Table(*columns, title=f"dead letters on {bootstrap}", title_justify="left")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@dlq_app.command("show")
def dlq_show(
    group: str = typer.Argument(..., help="Consumer group, e.g. membership-registrations."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the N most recent dead letters."),
    idle: float = typer.Option(DEFAULT_IDLE, "--idle", help=IDLE_HELP),
) -> None:
    """One line per dead letter, oldest first: when, where from, type, id, attempts, reason (masked)."""
    bootstrap = _bootstrap()
    try:
        letters = run_sync(read_dead_letters(bootstrap, group, idle))
    except Exception as exc:
        raise _dlq_failure(bootstrap, exc) from exc
    shown = letters[-limit:] if limit else letters
    width = _reason_width()
    for letter in shown:
        _print_line(dlq.format_dead_letter_line(letter, width))
    _print_line(f"{len(shown)} of {len(letters)} dead letter(s) on {dead_letter(group)}")


@dlq_app.command("replay", help=REPLAY_HELP)
def dlq_replay(
    group: str = typer.Argument(..., help="Consumer group whose dead letters to replay."),
    types: list[str] = typer.Option(
        [], "--type", help="Only this event type short name, e.g. MemberJoined (repeatable)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be replayed; publish nothing."),
    by: str | None = typer.Option(None, "--by", help="Who replays, for the replay record (default: $USER)."),
    reason: str | None = typer.Option(
        None, "--reason", help="Why, for the replay record (e.g. the fix deployed)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    idle: float = typer.Option(DEFAULT_IDLE, "--idle", help=IDLE_HELP),
) -> None:
    bootstrap = _bootstrap()

    def confirm(count: int) -> bool:
        return typer.confirm(f"Replay {count} dead letter(s) of {group} to {retry(group)}?")

    try:
        summary = run_sync(
            dlq.replay_dead_letters(
                bootstrap,
                group,
                types=types,
                dry_run=dry_run,
                by=by,
                reason=reason,
                enable_idempotence=dlq.producer_idempotence(),
                idle=idle,
                emit=_print_line,
                confirm=None if yes else confirm,
                width=_reason_width(),
            )
        )
    except typer.Abort:
        raise
    except Exception as exc:
        raise _dlq_failure(bootstrap, exc) from exc
    _print_line(dlq.format_summary(summary))
    if summary.cancelled:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
