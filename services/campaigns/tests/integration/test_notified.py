"""A campaign's `notified` figure follows notifications' `AudienceNotified` summaries: the in-app
ones count members (every member told at all is told in-app), a redelivered summary counts once."""

from __future__ import annotations

import uuid

from campaign_rows import campaign_row
from campaigns_testkit import new_district
from unionfed_devstack.feeds import DomainFeed
from unionfed_devstack.testing import wait_for
from unionfed_events import notifications as nev


async def test_notified_counts_in_app_summaries_once(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district)
        members = [await svc.member(district, branch) for _ in range(3)]
        campaign_id = await campaign_row(svc, owner_district=district, audience=members)
        feed = DomainFeed(svc.feed.producer, "notifications")
        chunk = uuid.uuid4()

        def summary(channel: nev.Channel, notified: int) -> nev.AudienceNotified:
            return nev.AudienceNotified(
                campaign_id=campaign_id,
                district=district,
                chunk=1,
                channel=channel,
                notified=notified,
                skipped=3 - notified,
                caused_by=chunk,
            )

        in_app = await feed.publish(summary(nev.Channel.IN_APP, 2), district)
        await feed.publish(summary(nev.Channel.EMAIL, 1), district)
        await feed.resend(in_app)  # a redelivery
        # Same key, same partition: once this last one counts, every earlier one has been read.
        await feed.publish(summary(nev.Channel.IN_APP, 1), district)

        async def notified() -> int:
            r = await svc.client.get(f"/campaigns/{campaign_id}/stats", headers=svc.admin)
            return int(r.json()["notified"])

        async def settled() -> bool:
            return await notified() >= 3

        await wait_for(settled, timeout=30)
        assert await notified() == 3  # 2 + 1 in-app; not the e-mail copy, not the redelivery
