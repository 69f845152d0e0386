"""Every service's outbox for operators: `GET /platform/outbox` (backlog, the oldest row's age,
parked rows without payloads) and `POST /platform/outbox/retry` (chosen parked rows, or all, back
into the outbox). The operators' console shows them for every service, calling each with the
signed-in operator's own token; each service checks it against its own table below.

Only operators and federation admins: a parked row is any district's, and retrying is the
platform's business, not a unit's. Fail closed like every access table: no other role is listed."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncEngine

from . import outbox_admin
from .access import READ, WRITE, AccessTable, read, write
from .auth import Principal, Role
from .http import RuntimeDep

log = logging.getLogger("unionfed.outbox")

PLATFORM_ACCESS = AccessTable(
    ("outbox",),
    {
        Role.FEDERATION_ADMIN: read("outbox") | write("outbox"),
        Role.OPERATOR: read("outbox") | write("outbox"),
    },
)
MAX_RETRY_IDS = 1000
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ParkedRowOut(BaseModel):
    id: int
    event_id: UUID
    type: str = Field(description="Short event type, e.g. MemberJoined.v1")
    topic: str
    reason: str = Field(description="Why the broker refused it (the latest attempt)")
    parked_at: datetime


class OutboxOut(BaseModel):
    service: str
    backlog: int = Field(description="Rows not yet published")
    oldest_age_seconds: float | None = Field(description="Age of the oldest unpublished row (None: none)")
    parked: list[ParkedRowOut] = Field(description="Rows the broker refused for good, oldest first")


class RetryIn(BaseModel):
    ids: list[RowId] | None = Field(None, max_length=MAX_RETRY_IDS, description="Parked rows to retry")
    all: bool = Field(False, description="Retry every parked row instead")

    @model_validator(mode="after")
    def _one_choice(self) -> RetryIn:
        if bool(self.ids) == self.all:
            raise ValueError("say which rows: a non-empty `ids`, or `all: true`")
        return self


class RetryOut(BaseModel):
    moved: list[int] = Field(description="Rows moved back into the outbox; the relay sends them next")
    not_parked: list[int] = Field(description="Asked-for ids that were not parked (already retried?)")


@contextlib.asynccontextmanager
async def _connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection's asyncpg driver (the statements are asyncpg's, shared with the CLI)."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        yield raw.driver_connection


def outbox_router() -> APIRouter:
    router = APIRouter(prefix="/platform/outbox", tags=["platform"])

    @router.get("")
    async def outbox_state(
        runtime: RuntimeDep, _: Annotated[Principal, PLATFORM_ACCESS.allow("outbox", READ)]
    ) -> OutboxOut:
        """This service's outbox backlog and parked rows (never their payloads)."""
        async with _connection(runtime.engine) as conn:
            state = await outbox_admin.backlog(conn)
            parked = await outbox_admin.parked_rows(conn)
        return OutboxOut(
            service=runtime.settings.service_name,
            backlog=state.rows,
            oldest_age_seconds=state.oldest_age_seconds,
            parked=[ParkedRowOut(**vars(row)) for row in parked],
        )

    @router.post("/retry")
    async def retry_parked(
        body: RetryIn,
        runtime: RuntimeDep,
        principal: Annotated[Principal, PLATFORM_ACCESS.allow("outbox", WRITE)],
    ) -> RetryOut:
        """Move parked rows back into the outbox under their original ids (sent next, in order);
        a row whose cause is not fixed is parked again with a fresh reason."""
        async with _connection(runtime.engine) as conn:
            moved = await outbox_admin.retry_parked(conn, None if body.all else body.ids)
        log.info("outbox rows retried by %s (%s): %s", principal.subject, principal.role, moved)
        return RetryOut(moved=moved, not_parked=sorted(set(body.ids or ()) - set(moved)))

    return router
