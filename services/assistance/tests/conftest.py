"""Fixtures of the assistance integration and e2e tests (helpers live in assistance_testkit)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from assistance_testkit import Assistance, start_assistance


@pytest.fixture(scope="session")
def assistance_service(
    make_database: Callable[[str], str], kafka_bootstrap: str, kafka_idempotence: bool
) -> Callable[..., contextlib.AbstractAsyncContextManager[Assistance]]:
    """`async with assistance_service([district, ...], **settings) as svc:` the running service,
    with a feed that publishes membership's events as membership would."""
    return lambda districts, **settings: start_assistance(
        districts, make_database, kafka_bootstrap, kafka_idempotence, **settings
    )
