"""Fixtures of the console tests (helpers live in console_testkit and browser)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from browser import Browser, open_browser
from console_testkit import Console, start_console


@pytest.fixture(scope="session")
def console_service(
    make_database: Callable[[str], str], kafka_bootstrap: str, kafka_idempotence: bool
) -> Callable[..., contextlib.AbstractAsyncContextManager[Console]]:
    """`async with console_service(**settings) as console:` the running console."""
    return lambda **settings: start_console(make_database, kafka_bootstrap, kafka_idempotence, **settings)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium (Debian's chromium + chromium-driver) driven by Selenium."""
    async with open_browser() as b:
        yield b
