"""A database that is shutting down or starting up is an outage, not a bad event: the consumer
retries the batch instead of dead-lettering valid events (found by `make chaos`)."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError
from unionfed_chassis.transient import is_transient


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "sqlstate",
    [
        asyncpg.exceptions.AdminShutdownError.sqlstate,  # 57P01 terminating connection (pg_ctl stop)
        asyncpg.exceptions.CannotConnectNowError.sqlstate,  # 57P03 the database system is shutting down
        "08006",  # connection failure
    ],
)
def test_shutdown_and_connection_errors_are_transient(sqlstate: str) -> None:
    assert is_transient(DBAPIError("INSERT …", None, _DriverError(sqlstate)))


@pytest.mark.parametrize("sqlstate", ["22021", "23505", "42P01"])  # NUL byte, unique violation, no table
def test_errors_of_the_event_itself_are_not_transient(sqlstate: str) -> None:
    assert not is_transient(DBAPIError("INSERT …", None, _DriverError(sqlstate)))
