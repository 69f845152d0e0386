"""The other services' events, each planned once for people (templates) and once for branch
systems (webhooks), in the consumer's transaction: the planned rows commit with the offsets'
inbox rows, so a redelivered event plans nothing twice."""

from __future__ import annotations

from unionfed_chassis.consumer import Delivery
from unionfed_chassis.db import UnitOfWork

from notifications.handlers.planning import plan_notifications
from notifications.handlers.webhook_planning import plan_webhooks


async def on_events(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    await plan_notifications(uow, deliveries)
    await plan_webhooks(uow, deliveries)
