"""Fixtures of the notifications integration and e2e tests (helpers live in notifications_testkit)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from notifications_testkit import Notifications, start_notifications


@pytest.fixture(scope="session")
def notifications_service(
    make_database: Callable[[str], str], kafka_bootstrap: str, kafka_idempotence: bool
) -> Callable[..., contextlib.AbstractAsyncContextManager[Notifications]]:
    """`async with notifications_service([district, ...], **settings) as svc:` the running service,
    with a feed that publishes membership's events as membership would."""
    return lambda districts, **settings: start_notifications(
        districts, make_database, kafka_bootstrap, kafka_idempotence, **settings
    )
