"""A launched campaign's invitation to its whole audience, in the audience consumer's own group.

`CampaignLaunched` writes the invitation's content once; each `AudienceTargeted` chunk (at most
1,000 members of one district) becomes one INSERT of its notification rows and one
`AudienceNotified` per channel, in the consumer's transaction: the rows, the summaries and the
chunk's inbox row commit together, so a redelivered or replayed chunk adds nothing, and a
process killed mid-fan-out leaves whole chunks done or not started.
"""

from __future__ import annotations

from uuid import UUID

from unionfed_chassis.consumer import Delivery
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.transient import NotYetApplicable
from unionfed_events import campaigns as cev
from unionfed_events import notifications as nev

from notifications.adapters import fanout_store
from notifications.domain.fanout import CAMPAIGN_CHANNELS, invitation_content_id
from notifications.domain.model import Channel


class LaunchNotSeen(NotYetApplicable):
    """A chunk of an audience whose launch this service has not applied. A federation campaign's
    launch comes on the federation topic and its chunks on the districts' topics, so a chunk can
    be read first: its partition is held and retried until the launch is applied, and after the
    consumer's transient-retry window it is dead-lettered with this reason (a launch never seen)."""

    def __init__(self, campaign_id: UUID) -> None:
        super().__init__(f"campaign {campaign_id}: audience chunk before its CampaignLaunched was applied")


async def on_campaign_launched(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        launch: cev.CampaignLaunched = d.event
        await fanout_store.add_invitation(
            uow.session,
            invitation_content_id(launch.campaign_id),
            caused_by=UUID(d.envelope.id),
            caused_type=d.envelope.type,
            district=d.envelope.district,
            params={
                "campaign_id": str(launch.campaign_id),
                "title": launch.title,
                "kind": launch.kind.value,
                "starts_on": launch.starts_on.isoformat(),
                "ends_on": launch.ends_on.isoformat(),
            },
        )


async def on_audience_targeted(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        await notify_chunk(uow, d)


async def notify_chunk(uow: UnitOfWork, d: Delivery) -> None:
    chunk: cev.AudienceTargeted = d.event
    content_id = invitation_content_id(chunk.campaign_id)
    if not await fanout_store.invitation_exists(uow.session, content_id):
        raise LaunchNotSeen(chunk.campaign_id)
    notified = await fanout_store.fan_out(uow.session, content_id, UUID(d.envelope.id), chunk.member_ids)
    audience = len(set(chunk.member_ids))
    for channel in _reported(notified):
        uow.emit(
            nev.AudienceNotified(
                campaign_id=chunk.campaign_id,
                district=chunk.district,
                chunk=chunk.chunk,
                channel=channel,
                notified=notified.get(channel, 0),
                skipped=audience - notified.get(channel, 0),
                caused_by=UUID(d.envelope.id),
            ),
            district=chunk.district,
            caused_by=d.envelope,
        )


def _reported(notified: dict[Channel, int]) -> list[Channel]:
    """In-app always (every chunk is accounted for), other channels when they carried any."""
    return [c for c, _ in CAMPAIGN_CHANNELS if c == Channel.IN_APP or notified.get(c)]
