"""The cheap HTTP request path keeps its promises: reads of safe methods run without a
transaction, commands in one, and the pure ASGI request-context middleware still carries the
correlation id both ways. (The verified-token cache is `TokenVerifier`'s, tested with it.)"""

from __future__ import annotations

import uuid

import httpx
import sqlalchemy as sa
from fastapi import APIRouter
from unionfed_chassis import context
from unionfed_chassis.app import ServiceDefinition, create_app
from unionfed_chassis.http import Public
from unionfed_chassis.runtime import Runtime

SECRET = "a-test-secret-that-is-long-enough-0123456789"
XID = sa.text("SELECT pg_current_xact_id()::text")


async def _two_transaction_ids(runtime: Runtime, read_only: bool) -> tuple[str, str]:
    async with runtime.unit_of_work(read_only=read_only) as uow:
        first = await uow.session.scalar(XID)
        second = await uow.session.scalar(XID)
    return str(first), str(second)


async def test_reads_run_in_autocommit_and_commands_in_one_transaction(db, make_settings) -> None:
    runtime = Runtime.build(make_settings(db.url), "membership", [])
    try:
        read_first, read_second = await _two_transaction_ids(runtime, read_only=True)
        assert read_first != read_second, "each statement of a read is its own transaction"
        write_first, write_second = await _two_transaction_ids(runtime, read_only=False)
        assert write_first == write_second, "a command's statements share one transaction"
        # The read session's connection goes back to the pool in its default mode.
        write_again = await _two_transaction_ids(runtime, read_only=False)
        assert write_again[0] == write_again[1]
    finally:
        await runtime.engine.dispose()


async def test_the_correlation_id_reaches_the_route_and_comes_back(db, make_settings) -> None:
    router = APIRouter()

    @router.get("/whoami", dependencies=[Public])
    async def whoami() -> dict[str, str | None]:
        return {"correlation_id": context.current.get().correlation_id}

    app = create_app(
        ServiceDefinition(name="t", domain="membership", description="", routers=[router]),
        make_settings(db.url),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        given = await client.get("/whoami", headers={"x-correlation-id": "corr-1"})
        assert given.json() == {"correlation_id": "corr-1"}
        assert given.headers["x-correlation-id"] == "corr-1"
        made = await client.get("/whoami")
        assert made.headers["x-correlation-id"] == made.json()["correlation_id"]
        assert uuid.UUID(made.headers["x-correlation-id"])
    assert context.current.get().correlation_id is None, "the request's context does not leak"
