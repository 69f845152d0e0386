"""Dead letters: browse them from the index (`GET /dead-letters`, `GET /api/dead-letters`) and
redrive one, a selection or all matching a filter (`POST /api/dead-letters/redrive`) through the
chassis' replay: the original records are read from the broker (the index holds masked payloads),
each goes to the retry topic of the group that failed it, once, and every letter gets a
`redrives` row saying who asked, why, and what became of it.

Redrives are serialised across console replicas by a PostgreSQL advisory lock, so two operators
pressing the button together cannot both send a letter before either has recorded it."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.ext.asyncio import AsyncConnection
from unionfed_chassis.access import Permission
from unionfed_chassis.auth import Principal
from unionfed_chassis.dead_letter_replay import Outcome, ReplayOutcome, replay_positions
from unionfed_chassis.errors import Rejected, unavailable
from unionfed_chassis.http import RuntimeDep
from unionfed_chassis.routes import TextFilter, scoped
from unionfed_chassis.stored_dead_letter import DeadLetterPosition
from unionfed_chassis.topic_admin import TopicAdminError
from unionfed_events.topics import parse_district

from console.adapters.dead_letters import find_letters, origins_of, record_redrives
from console.domain.dead_letters import LetterQuery
from console.entrypoints.http.access import ACCESS, READ, WRITE, Allow
from console.entrypoints.http.dead_letter_schemas import (
    MAX_SHOWN,
    LetterFilter,
    LettersOut,
    RedriveAnswer,
    RedriveRequest,
    letter_out,
    redrive_result,
)
from console.entrypoints.http.pages import render

router = APIRouter(tags=["dead letters"])

REDRIVE_LOCK = 0x756E_6664_6C71  # "unfdlq": the advisory lock key of redrives

Reader = Annotated[Principal, Allow("dead_letters", READ)]
Redriver = Annotated[Principal, Allow("dead_letters", WRITE)]


def _query(principal: Principal, group: str | None, reason: str | None, origin: str | None) -> LetterQuery:
    district, _ = scoped(principal, None, None)
    return LetterQuery(
        group=group or None, reason=reason or None, origin_topic=origin or None, district=district
    )


@router.get("/dead-letters", include_in_schema=False)
async def dead_letters_page(
    request: Request,
    principal: Reader,
    runtime: RuntimeDep,
    group: TextFilter = None,
    reason: TextFilter = None,
    origin: TextFilter = None,
) -> HTMLResponse:
    """The dead-letters page: filters, the letters, and redrive buttons for those who may."""
    query = _query(principal, group, reason, origin)
    async with runtime.engine.connect() as conn:
        letters, total = await find_letters(conn, query, MAX_SHOWN)
    may_redrive = ACCESS.allows(principal.role, Permission("dead_letters", WRITE))
    filters = {"group": group or "", "reason": reason or "", "origin": origin or ""}
    return render(
        request,
        "dead_letters.html",
        principal,
        page="dead_letters",
        letters=letters,
        total=total,
        filters=filters,
        may_redrive=may_redrive,
    )


@router.get("/api/dead-letters")
async def list_dead_letters(
    principal: Reader,
    runtime: RuntimeDep,
    group: TextFilter = None,
    reason: TextFilter = None,
    origin: TextFilter = None,
) -> LettersOut:
    """Dead letters from the index, newest first, with their latest redrive (payloads masked)."""
    async with runtime.engine.connect() as conn:
        letters, total = await find_letters(conn, _query(principal, group, reason, origin), MAX_SHOWN)
    return LettersOut(items=[letter_out(d) for d in letters], total=total)


@router.post(
    "/api/dead-letters/redrive",
    response_model=RedriveAnswer,
    responses={503: {"description": "Broker unreachable: retry later (nothing is sent twice)"}},
)
async def redrive(
    body: RedriveRequest, principal: Redriver, runtime: RuntimeDep
) -> RedriveAnswer | JSONResponse:
    """Replay the chosen dead letters to the groups that failed them, once, recorded with who and why."""
    if (body.positions is None) == (body.filter is None):
        raise Rejected("give either positions or a filter", "positions")
    async with runtime.engine.begin() as conn:
        wanted = await _wanted(conn, principal, body)
        origins = await origins_of(conn, [(p.topic, p.partition, p.offset) for p in wanted])
        for origin in origins.values():
            principal.check(parse_district(origin))  # a letter outside the caller's scope: 403, nothing sent
        known = [p for p in wanted if (p.topic, p.partition, p.offset) in origins]
        unknown = [ReplayOutcome(p, Outcome.NOT_FOUND) for p in wanted if p not in known]
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(REDRIVE_LOCK)))
        settings = runtime.settings
        try:
            outcomes = await replay_positions(
                settings.kafka_bootstrap_servers,
                known,
                by=principal.subject,
                reason=body.reason,
                enable_idempotence=settings.kafka_enable_idempotence,
            )
        except (KafkaError, TopicAdminError, OSError, TimeoutError) as exc:
            # Letters sent before the failure were recorded on dlq-replays by the chassis or will
            # be sent again by the next try, which the group's inbox makes a no-op.
            failed = f"failed: {type(exc).__name__}"
            await record_redrives(conn, principal.subject, body.reason, [(p, failed, None) for p in known])
            return unavailable()
        rows = [(o.position, str(o.outcome), o.event_id) for o in [*outcomes, *unknown]]
        await record_redrives(conn, principal.subject, body.reason, rows)
    results = [redrive_result(o) for o in sorted([*outcomes, *unknown], key=lambda o: o.position)]
    return RedriveAnswer(replayed=sum(o.outcome is Outcome.REPLAYED for o in outcomes), results=results)


async def _wanted(
    conn: AsyncConnection, principal: Principal, body: RedriveRequest
) -> list[DeadLetterPosition]:
    if body.positions is not None:
        return sorted({DeadLetterPosition(p.topic, p.partition, p.offset) for p in body.positions})
    f = body.filter or LetterFilter()
    letters, total = await find_letters(conn, _query(principal, f.group, f.reason, f.origin_topic), MAX_SHOWN)
    if total > MAX_SHOWN:
        raise Rejected(f"{total} dead letters match; narrow the filter to at most {MAX_SHOWN}", "filter")
    return sorted(DeadLetterPosition(d.topic, d.partition, d.offset) for d in letters)
