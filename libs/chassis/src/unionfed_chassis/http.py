"""FastAPI dependencies shared by every service's routes.

Every route either declares `dependencies=[Public]` or asks an access table for its
principal (`unionfed_chassis.access.AccessTable.allow`); a test walks the routes to hold this.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from . import context
from .auth import AuthError, Principal
from .db import UnitOfWork
from .runtime import Runtime

_SAFE_METHODS = frozenset({"GET", "HEAD"})
_bearer = HTTPBearer(
    auto_error=False, description="JWT of the identity provider (in development: `unionfed token`)"
)


# Dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread, a thread
# hop per dependency per request (a sixth of a member lookup's CPU before they were async).


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """A session per request, checked out on first use. GET and HEAD read without a
    transaction (autocommit): a read then costs one round trip instead of three."""
    runtime: Runtime = request.app.state.runtime
    async with runtime.unit_of_work(read_only=request.method in _SAFE_METHODS) as uow:
        yield uow


async def get_principal(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who is calling; without a valid bearer token, 401. Identity only: routes get their
    principal through an access table, which also decides whether the role may act."""
    if credentials is None:
        raise AuthError("missing bearer token")
    return await runtime.settings.token_verifier.verify(credentials.credentials)


async def verified_principal(runtime: Runtime, authorization: str | None) -> Principal | None:
    """The identity an `Authorization: Bearer …` header proves, or None (no header, bad token).
    For middleware that must know who is calling without refusing anyone itself."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return await runtime.settings.token_verifier.verify(token.strip())
    except AuthError:
        return None


async def public() -> None:
    """Marks a route as deliberately open to the public (no token); what it changes is recorded
    as done by an anonymous actor."""
    context.act_for_this_request(context.PUBLIC)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
Public = Depends(public)
