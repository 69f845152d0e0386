"""The console's default consumer groups are the platform's: every group of every service
`unionfed run` starts, and the console's own index (the console cannot import the dev stack in
production, so it keeps its own list; this keeps the two equal)."""

from __future__ import annotations

from console.settings import PLATFORM_GROUPS, ConsoleSettings
from unionfed_devstack.services import consumer_groups


def test_the_default_groups_are_every_services_and_the_index() -> None:
    assert set(PLATFORM_GROUPS) == {*consumer_groups(), ConsoleSettings.model_fields["index_group"].default}
