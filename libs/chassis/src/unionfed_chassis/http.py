"""FastAPI dependencies shared by every service's routes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .auth import AuthError, Principal, verify_token
from .db import UnitOfWork
from .runtime import Runtime

_SAFE_METHODS = frozenset({"GET", "HEAD"})
_bearer = HTTPBearer(auto_error=False, description="JWT from `unionfed token`")


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
    """Every officer endpoint depends on this; without a valid bearer token it answers 401."""
    if credentials is None:
        raise AuthError("missing bearer token; get one with `unionfed token --role ...`")
    return _verify(runtime, credentials.credentials)


def verified_principal(runtime: Runtime, authorization: str | None) -> Principal | None:
    """The identity an `Authorization: Bearer …` header proves, or None (no header, bad token).
    For middleware that must know who is calling without refusing anyone itself."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return _verify(runtime, token.strip())
    except AuthError:
        return None


def _verify(runtime: Runtime, token: str) -> Principal:
    """Verify a token, or answer from the cache of tokens already verified and not yet expired:
    a client sends the same token with every request, and checking a signature is the larger
    part of a cheap request's CPU (more so with asymmetric keys)."""
    key = (token, runtime.settings.jwt_secret, runtime.settings.jwt_issuer)
    cached = _verified.get(key)
    if cached is not None and cached[1] > time.time():
        return cached[0]
    principal = verify_token(token, runtime.settings.jwt_secret, runtime.settings.jwt_issuer)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()  # simpler than LRU; a refill costs one verification per active client
    # The signature was just checked, so reading the expiry without checking it again is safe.
    expires = jwt.decode(token, options={"verify_signature": False}).get("exp", 0)
    _verified[key] = (principal, float(expires))
    return principal


_VERIFIED_MAX = 4096
_verified: dict[tuple[str, str, str], tuple[Principal, float]] = {}


async def public() -> None:
    """Marks a route as deliberately open to the public (no token)."""


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
Public = Depends(public)
