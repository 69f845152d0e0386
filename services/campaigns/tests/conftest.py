"""Fixtures of the campaigns integration and e2e tests (helpers live in campaigns_testkit)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from campaigns_testkit import Campaigns, start_campaigns


@pytest.fixture(scope="session")
def campaigns_service(
    make_database: Callable[[str], str], kafka_bootstrap: str, kafka_idempotence: bool
) -> Callable[..., contextlib.AbstractAsyncContextManager[Campaigns]]:
    """`async with campaigns_service([district, ...], **settings) as svc:` the running service,
    with a feed that publishes membership's events as membership would."""
    return lambda districts, **settings: start_campaigns(
        districts, make_database, kafka_bootstrap, kafka_idempotence, **settings
    )
