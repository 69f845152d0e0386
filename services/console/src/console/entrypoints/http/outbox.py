"""Outboxes: every service's backlog and parked rows, with retry. The services own their
databases, so the console asks each one (`GET /platform/outbox`, `POST /platform/outbox/retry`
of the chassis) with the signed-in operator's own token, forwarded: each service checks it, and
an operator token must name every service in its audience (`aud` as a list). A service that
does not answer, or refuses, is shown as such next to the others; never a 500."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError
from unionfed_chassis.access import Permission
from unionfed_chassis.auth import Principal
from unionfed_chassis.errors import NotFound
from unionfed_chassis.http import RuntimeDep
from unionfed_chassis.outbox_routes import MAX_RETRY_IDS, RetryIn

from console.adapters.services import Answer, call, call_each
from console.entrypoints.http.access import ACCESS, READ, WRITE, Allow
from console.entrypoints.http.pages import render
from console.settings import ConsoleSettings

router = APIRouter(tags=["outbox"])
Reader = Annotated[Principal, Allow("outbox", READ)]
Writer = Annotated[Principal, Allow("outbox", WRITE)]
ServiceName = Annotated[str, Path(max_length=64, description="A service of the console's `services` setting")]


class ParkedRowOut(BaseModel):
    id: int
    event_id: UUID
    type: str
    topic: str
    reason: str
    parked_at: datetime


class ServiceOutbox(BaseModel):
    service: str
    reachable: bool = Field(description="The service answered with its outbox")
    error: str | None = Field(description="Why there is no outbox to show (unreachable, refused)")
    backlog: int | None = Field(description="Rows not yet published")
    oldest_age_seconds: float | None
    parked: list[ParkedRowOut]


class OutboxesOut(BaseModel):
    services: list[ServiceOutbox]


class RetryOut(BaseModel):
    service: str
    done: bool = Field(description="The service moved the rows (see `moved`); else `error` says why")
    error: str | None
    moved: list[int]
    not_parked: list[int]


def _services(runtime: RuntimeDep) -> dict[str, str]:
    return cast(ConsoleSettings, runtime.settings).services


def _refusal(answer: Answer) -> str:
    if answer.error:
        return answer.error
    detail = answer.body.get("detail") if isinstance(answer.body, dict) else None
    if isinstance(detail, list):  # a validation error: the fields, not what was sent
        detail = "; ".join(str(item.get("msg", "")) for item in detail if isinstance(item, dict))
    return f"refused ({answer.status}): {detail or 'no reason given'}"


def _service_outbox(answer: Answer) -> ServiceOutbox:
    if answer.ok and isinstance(answer.body, dict):
        try:
            body = answer.body
            return ServiceOutbox(
                service=answer.service,
                reachable=True,
                error=None,
                backlog=body["backlog"],
                oldest_age_seconds=body.get("oldest_age_seconds"),
                parked=[ParkedRowOut.model_validate(row) for row in body.get("parked", [])],
            )
        except (KeyError, TypeError, ValidationError):
            answer = Answer(answer.service, answer.url, answer.status, error="answered with an unknown shape")
    return ServiceOutbox(
        service=answer.service,
        reachable=answer.error is None,
        error=_refusal(answer),
        backlog=None,
        oldest_age_seconds=None,
        parked=[],
    )


async def _outboxes(request: Request, runtime: RuntimeDep) -> OutboxesOut:
    answers = await call_each(
        _services(runtime), "GET", "/platform/outbox", authorization=request.headers.get("authorization")
    )
    return OutboxesOut(services=[_service_outbox(a) for a in answers])


async def _retry(request: Request, runtime: RuntimeDep, service: str, body: RetryIn) -> RetryOut:
    services = _services(runtime)
    if service not in services:
        raise NotFound(f"service {service}")
    answer = await call(
        service,
        services[service],
        "POST",
        "/platform/outbox/retry",
        authorization=request.headers.get("authorization"),
        json=body.model_dump(),
    )
    if answer.ok and isinstance(answer.body, dict):
        moved, not_parked = answer.body.get("moved", []), answer.body.get("not_parked", [])
        return RetryOut(service=service, done=True, error=None, moved=moved, not_parked=not_parked)
    return RetryOut(service=service, done=False, error=_refusal(answer), moved=[], not_parked=[])


@router.get("/api/outbox")
async def api_outboxes(request: Request, runtime: RuntimeDep, _: Reader) -> OutboxesOut:
    """Every service's outbox backlog and parked rows (never payloads), asked with your token."""
    return await _outboxes(request, runtime)


@router.post("/api/outbox/{service}/retry")
async def api_retry(
    request: Request, runtime: RuntimeDep, service: ServiceName, body: RetryIn, _: Writer
) -> RetryOut:
    """Move a service's parked rows (`ids`, or `all`) back into its outbox: its relay sends them
    next. A service that does not answer or refuses gives `done: false` and why."""
    return await _retry(request, runtime, service, body)


@router.get("/outbox", include_in_schema=False, response_class=HTMLResponse)
async def outbox_page(request: Request, runtime: RuntimeDep, principal: Reader) -> HTMLResponse:
    outboxes = await _outboxes(request, runtime)
    return _page(request, principal, outboxes, notice=None)


@router.post("/outbox/{service}/retry", include_in_schema=False, response_class=HTMLResponse)
async def outbox_retry_form(
    request: Request,
    runtime: RuntimeDep,
    service: ServiceName,
    principal: Writer,
    ids: Annotated[list[int] | None, Form(max_length=MAX_RETRY_IDS)] = None,
    every: Annotated[bool, Form(alias="all")] = False,
) -> HTMLResponse:
    """The page's retry buttons: the rows ticked, or all; then the page again with the outcome."""
    notice: dict[str, Any]
    try:
        body = RetryIn(ids=ids or None, all=every)
    except ValidationError:
        notice = {"ok": False, "text": "Tick the rows to retry, or retry all."}
    else:
        result = await _retry(request, runtime, service, body)
        text = (
            f"{service}: moved {len(result.moved)} row(s) back into the outbox"
            + (f"; not parked: {', '.join(map(str, result.not_parked))}" if result.not_parked else "")
            if result.done
            else f"{service}: {result.error}"
        )
        notice = {"ok": result.done, "text": text}
    return _page(request, principal, await _outboxes(request, runtime), notice)


def _page(
    request: Request, principal: Principal, outboxes: OutboxesOut, notice: dict[str, Any] | None
) -> HTMLResponse:
    may_retry = ACCESS.allows(principal.role, Permission("outbox", WRITE))
    return render(
        request,
        "outbox.html",
        principal,
        page="outbox",
        outboxes=outboxes,
        notice=notice,
        may_retry=may_retry,
    )
