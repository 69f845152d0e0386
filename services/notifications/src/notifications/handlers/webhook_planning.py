"""Which branch systems' webhook subscriptions an event goes to. In progress: the webhooks work
fills this in."""

from __future__ import annotations

from unionfed_chassis.consumer import Delivery
from unionfed_chassis.db import UnitOfWork


async def plan_webhooks(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    return None
