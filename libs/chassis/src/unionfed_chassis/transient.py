"""Which errors mean "try again later" rather than "this input is bad": one rule for the consumer
(hold the partition and retry) and the HTTP API (503 with Retry-After instead of a 500)."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


class NotYetApplicable(Exception):
    """An event that needs another one applied first, which comes on another topic (so in no
    guaranteed order): its partition is held and retried like after a transient error."""


def is_transient(exc: BaseException) -> bool:
    """Errors that say 'try again later' rather than 'this event or request is bad'."""
    transient = (
        OperationalError,
        InterfaceError,
        ConnectionError,
        OSError,
        asyncio.TimeoutError,
        NotYetApplicable,
    )
    if isinstance(exc, transient):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    # asyncpg's "database system is shutting down / starting up" (57P01-57P03) and connection
    # errors (class 08) arrive as plain DBAPIError: found by `make chaos` (PostgreSQL stopped).
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
    return bool(exc.connection_invalidated) or sqlstate.startswith(("08", "57P"))
