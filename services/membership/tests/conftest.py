"""Fixtures of the membership integration and e2e tests (helpers live in membership_testkit)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from membership_testkit import Service, start_service


@pytest.fixture(scope="session")
def membership_service(
    make_database: Callable[[str], str], kafka_bootstrap: str, kafka_idempotence: bool
) -> Callable[..., contextlib.AbstractAsyncContextManager[Service]]:
    """`async with membership_service([district, ...], **settings) as svc:` the running service."""
    return lambda districts, **settings: start_service(
        districts, make_database, kafka_bootstrap, kafka_idempotence, **settings
    )
