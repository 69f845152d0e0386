"""`unionfed outbox`: see the outbox rows the broker refused for good, and send them again.

The relay moves such a row to `outbox_parked` with its reason (docs/architecture.md, "Transactional
outbox"). `retry` moves rows back into `outbox` under their original id, so they are the oldest
and go out next; a row whose cause is not fixed is parked again with a fresh reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import asyncpg
import typer
from rich.console import Console
from rich.table import Table
from unionfed_chassis import outbox_admin
from unionfed_chassis.outbox_admin import ParkedRow, parked_rows

from ._util import run_sync
from .postgres import sqlalchemy_url
from .services import SERVICES, ServiceSpec
from .stack import DevStack

outbox_app = typer.Typer(no_args_is_help=True, help="See and resend outbox rows the broker refused (parked).")
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


async def list_parked(dsn: str) -> list[ParkedRow]:
    """Every parked row, oldest first, without its payload (it may carry personal data)."""
    conn = await asyncpg.connect(dsn)
    try:
        return await parked_rows(conn)
    finally:
        await conn.close()


async def retry_parked(dsn: str, ids: Sequence[int] | None, *, dry_run: bool = False) -> list[int]:
    """Move the parked rows `ids` (None: all of them) back into the outbox under their original
    ids, in one statement; returns the ids moved (or, with dry_run, that would be)."""
    conn = await asyncpg.connect(dsn)
    try:
        return await outbox_admin.retry_parked(conn, ids, dry_run=dry_run)
    finally:
        await conn.close()


def service_dsn(service: str, env: Mapping[str, str] | None = None) -> str:
    """The service's database as `unionfed run` gives it to the service: $DATABASE_URL if set,
    else the dev stack's server and the service's database."""
    env = os.environ if env is None else env
    spec = _spec(service)
    url = env.get("DATABASE_URL") or sqlalchemy_url(DevStack(env=env).pg_admin_url, spec.database)
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _spec(service: str) -> ServiceSpec:
    for spec in SERVICES:
        if spec.name == service:
            return spec
    known = ", ".join(s.name for s in SERVICES)
    raise typer.BadParameter(f"unknown service {service!r}; known: {known}", param_hint="--service")


def where(dsn: str) -> str:
    """host:port/database, never the password."""
    parts = urlsplit(dsn)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


def _failure(service: str, dsn: str, exc: Exception) -> typer.Exit:
    place = where(dsn)
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        hint = f"database {place} does not exist: start `unionfed run` once, or set DATABASE_URL"
    elif isinstance(exc, asyncpg.UndefinedTableError):
        hint = f"{place} has no outbox_parked table: start {service} once so its migrations run"
    elif isinstance(exc, OSError | asyncpg.CannotConnectNowError):
        hint = (
            f"cannot reach {place} ({exc}): start `unionfed run`, or set DATABASE_URL to {service}'s database"
        )
    else:
        hint = f"{place}: {type(exc).__name__}: {exc}"
    err.print(f"[red]error:[/] {hint}", markup=True, soft_wrap=True)
    return typer.Exit(1)


SERVICE_OPTION = typer.Option("membership", "--service", help="Whose outbox (a service of `unionfed run`).")


@outbox_app.command("parked")
def parked(service: str = SERVICE_OPTION) -> None:
    """List the parked rows: id, event id, type, topic, reason, when (never the payload)."""
    dsn = service_dsn(service)
    try:
        rows = run_sync(list_parked(dsn))
    except Exception as exc:
        raise _failure(service, dsn, exc) from exc
    if not rows:
        console.print(f"no parked outbox rows in {where(dsn)}")
        return
    table = Table(
        "id",
        "event id",
        "type",
        "topic",
        "reason",
        "parked at",
        title=f"parked in {where(dsn)}",
        title_justify="left",
    )
    for r in rows:
        table.add_row(
            str(r.id), str(r.event_id), r.type, r.topic, r.reason, r.parked_at.isoformat(timespec="seconds")
        )
    console.print(table, soft_wrap=True)
    console.print(
        f"{len(rows)} parked; after fixing the cause: unionfed outbox retry --service {service} --id N | --all"
    )


@outbox_app.command("retry")
def retry(
    service: str = SERVICE_OPTION,
    ids: list[int] = typer.Option([], "--id", help="A parked row's id (repeatable)."),
    every: bool = typer.Option(False, "--all", help="Every parked row."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would move; move nothing."),
) -> None:
    """Move parked rows back into the outbox under their original ids: the relay sends them next."""
    if bool(ids) == every:
        err.print("[red]error:[/] say which rows: --id N (repeatable, see `unionfed outbox parked`) or --all")
        raise typer.Exit(2)
    dsn = service_dsn(service)
    try:
        moved = run_sync(retry_parked(dsn, None if every else ids, dry_run=dry_run))
    except Exception as exc:
        raise _failure(service, dsn, exc) from exc
    verb = "would move" if dry_run else "moved"
    listed = f" (ids {', '.join(map(str, moved))})" if moved else ""
    console.print(f"{verb} {len(moved)} parked row(s) back into the outbox of {where(dsn)}{listed}")
    missing = sorted(set(ids) - set(moved))
    if missing:
        err.print(f"[yellow]not parked:[/] {', '.join(map(str, missing))} (see `unionfed outbox parked`)")
        raise typer.Exit(1)
