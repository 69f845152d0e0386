"""FastAPI dependencies shared by every service's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .auth import AuthError, Principal, verify_token
from .db import UnitOfWork
from .runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="JWT from `unionfed token`")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_uow(runtime: Annotated[Runtime, Depends(get_runtime)]) -> AsyncIterator[UnitOfWork]:
    async with runtime.unit_of_work() as uow:
        yield uow


def get_principal(
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
    return verify_token(token, runtime.settings.jwt_secret, runtime.settings.jwt_issuer)


def public() -> None:
    """Marks a route as deliberately open to the public (no token)."""


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
Public = Depends(public)
