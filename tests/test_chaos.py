"""`make chaos` with small numbers: each fault once, the same oracle (one effect, one event and
one answer per input; every poison record dead-lettered exactly once; nothing else)."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from unionfed_devstack.chaos.platform import ChaosPlatform
from unionfed_devstack.chaos.report import cells
from unionfed_devstack.chaos.scenarios import SCENARIOS, Scale
from unionfed_devstack.chaos.verdict import Row

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("DATABASE_ADMIN_URL")),
    reason="runs its own embedded stack (it stops PostgreSQL and kills the broker)",
)


@pytest.fixture(scope="module")
def platform() -> Iterator[ChaosPlatform]:
    # Not tmp_path: its folders are 0700, which the postgres system user (used when running as
    # root) cannot traverse; like the devstack plugin, a folder of our own with search permission.
    root = Path(tempfile.mkdtemp(prefix="unionfed-chaos-"))
    root.chmod(0o711)
    try:
        with ChaosPlatform(root, log=print) as running:
            yield running
    finally:
        shutil.rmtree(root, ignore_errors=True)


# The broker restart empties the broker: it runs last.
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_chaos_scenario_keeps_every_input_exactly_once(platform: ChaosPlatform, scenario: str) -> None:
    row: Row = asyncio.run(SCENARIOS[scenario](platform, Scale.small(), random.Random(7), print))
    print(cells(row), row.notes)
    assert row.passed, (cells(row), row.notes)
    assert row.events_in > 0 and row.effects_out > 0
