"""How many members of a campaign's audience were told, from notifications' `AudienceNotified`
summaries (one per audience chunk and channel). Every member of the audience who is told at all
gets the in-app invitation, so the in-app summaries count the members notified; the consumer's
inbox applies each summary once."""

from __future__ import annotations

import sqlalchemy as sa
from unionfed_chassis.consumer import Delivery
from unionfed_chassis.db import UnitOfWork
from unionfed_events.notifications import Channel

from campaigns.adapters.orm import campaigns


async def count_notified(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for d in deliveries:
        if d.event.channel != Channel.IN_APP or not d.event.notified:
            continue
        await uow.session.execute(
            sa.update(campaigns)
            .where(campaigns.c.campaign_id == d.event.campaign_id)
            .values(notified=campaigns.c.notified + d.event.notified)
        )
