"""Recording a delivery of a relief drive or a cultural delivery: what reached how many workers,
where, and who recorded it (the token's subject)."""

from __future__ import annotations

import uuid
from typing import Any

from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_events import campaigns as ev

from campaigns import commands_participation as cmds
from campaigns.adapters import deliveries_store as store
from campaigns.adapters import participation_store
from campaigns.domain.errors import NotFound
from campaigns.domain.participation import DeliverySite, check_delivery


async def record_delivery(uow: UnitOfWork, cmd: cmds.RecordDelivery, scope: Scope) -> Any:
    """Record the delivery (refused by the rule that fails) and announce it on its district's topic."""
    scope(cmd.district, cmd.branch_id)
    campaign = await participation_store.campaign(uow.session, cmd.campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {cmd.campaign_id}")
    branch_district = await store.branch_district(uow.session, cmd.branch_id) if cmd.branch_id else None
    site = DeliverySite(cmd.district, branch_district, cmd.branch_id is not None, cmd.delivered_on, cmd.today)
    check_delivery(campaign, site)
    row = await store.add(
        uow.session,
        {
            "delivery_id": uuid.uuid4(),
            "campaign_id": cmd.campaign_id,
            "district": cmd.district,
            "branch_id": cmd.branch_id,
            "site": cmd.site,
            "items": cmd.items,
            "workers_reached": cmd.workers_reached,
            "delivered_on": cmd.delivered_on,
            "recorded_by": uow.actor.subject,
        },
    )
    event = ev.DeliveryRecorded(
        delivery_id=row.delivery_id,
        campaign_id=cmd.campaign_id,
        district=cmd.district,
        branch_id=cmd.branch_id,
        site=cmd.site,
        items=cmd.items,
        workers_reached=cmd.workers_reached,
        delivered_on=cmd.delivered_on,
    )
    uow.emit(event, district=cmd.district, branch=cmd.branch_id)
    return row
