"""The fan-out's plain rules: the invitation's id, the chunk-before-launch error, the summaries."""

from __future__ import annotations

import uuid

from notifications.domain.fanout import invitation_content_id
from notifications.domain.model import Channel
from notifications.handlers.fanout import LaunchNotSeen, _reported
from unionfed_chassis.transient import is_transient


def test_every_chunk_of_a_campaign_finds_the_same_invitation_and_no_other_campaigns() -> None:
    campaign = uuid.uuid4()
    assert invitation_content_id(campaign) == invitation_content_id(uuid.UUID(str(campaign)))
    assert invitation_content_id(campaign) != invitation_content_id(uuid.uuid4())


def test_a_chunk_before_its_launch_holds_its_partition_instead_of_failing_at_once() -> None:
    campaign = uuid.uuid4()
    error = LaunchNotSeen(campaign)
    assert is_transient(error)
    assert str(campaign) in str(error)
    assert not is_transient(ValueError("a broken event"))


def test_in_app_is_always_summarised_other_channels_when_they_carried_any() -> None:
    assert _reported({}) == [Channel.IN_APP]
    assert _reported({Channel.EMAIL: 3, Channel.SMS: 0}) == [Channel.IN_APP, Channel.EMAIL]
    assert _reported({Channel.SMS: 1}) == [Channel.IN_APP, Channel.SMS]
