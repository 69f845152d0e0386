"""Which notifications an event causes, for members and officers (templates, recipients,
channels, preferences, quiet hours, digests). In progress: the routing work fills this in."""

from __future__ import annotations

from unionfed_chassis.consumer import Delivery
from unionfed_chassis.db import UnitOfWork


async def plan_notifications(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    return None
