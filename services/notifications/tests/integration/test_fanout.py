"""A launched campaign invites its audience once per member and channel, over the real broker
and database: preferences and reachability choose the channels, a forced redelivery and a
replay from the topics' start add nothing, a chunk whose launch never came is dead-lettered."""

from __future__ import annotations

import uuid

from fanout_kit import (
    copy_members,
    duplicate_rows,
    give_contact,
    in_app_recipients,
    rows_by_channel,
    set_preferences,
    winter_launch,
)
from notifications.adapters import fanout_store
from notifications.domain.fanout import invitation_content_id
from notifications_testkit import new_district
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_chassis.dead_letter_reading import read_dead_letters
from unionfed_devstack.feeds import CampaignsFeed
from unionfed_devstack.testing import wait_for
from unionfed_events import campaigns as cev
from unionfed_events import topics
from unionfed_events.envelope import Envelope


async def test_each_audience_member_is_invited_once_and_redelivery_adds_nothing(
    notifications_service, make_database
) -> None:
    district = new_district("fo")
    database_url = make_database("notifications")
    async with notifications_service([district], database_url=database_url) as svc:
        audience = await copy_members(svc.engine, district, 2_500)
        left = await copy_members(svc.engine, district, 3, status="left")
        opted_out, narrowed, texter, emailed = audience[:4]
        await set_preferences(svc.engine, opted_out, campaign_opt_out=True)
        await set_preferences(svc.engine, narrowed, channels={"campaign": ["email"]})
        await set_preferences(svc.engine, texter, channels={"campaign": ["in_app", "sms"]})
        for member in (narrowed, texter, emailed, opted_out):
            await give_contact(svc.engine, member, district, email=True, phone=True)
        unknown = [uuid.uuid4()]  # not in the view (erased, or never heard of): skipped
        feed = CampaignsFeed(svc.producer)
        campaign_id = await feed.launch_with_audience(district, {district: audience + left + unknown})
        content_id = invitation_content_id(campaign_id)

        invited = len(audience) - 2  # not the opted-out member, not the one who chose e-mail only
        await wait_for(lambda: _count(svc.engine, content_id, invited), timeout=60)
        assert await rows_by_channel(svc.engine) == {"in_app": invited, "email": 2, "sms": 1}
        recipients = set(await in_app_recipients(svc.engine, content_id))
        assert str(opted_out) not in recipients and str(narrowed) not in recipients
        assert not recipients & {str(m) for m in left + unknown}
        inbox = (await svc.client.get("/me/inbox", headers=svc.member_token(emailed))).json()["items"]
        assert [item["title"] for item in inbox] == ["活动邀请：夏送清凉"]
        assert inbox[0]["body"].startswith("测试会员，您好")  # greeted by the name in the view

        in_app = await svc.events.wait("AudienceNotified", count=3, channel="in_app", within=30)
        assert sorted(r.data["chunk"] for r in in_app) == [1, 2, 3]
        assert sum(r.data["notified"] for r in in_app) == invited
        assert sum(r.data["notified"] for r in svc.events.of("AudienceNotified", channel="email")) == 2

        # Forced redelivery: the same records published again reach the same group.
        await feed.republish()
        await wait_for(lambda: _read(svc) >= 2 * len(feed.sent), timeout=30)
        assert await rows_by_channel(svc.engine) == {"in_app": invited, "email": 2, "sms": 1}

        # The inbox of no help (a replica with another group, an inbox row lost): a chunk planned
        # again writes nothing, `notifications_once` is the last word.
        first_chunk = next(e for _, e in feed.sent if e.type == cev.AudienceTargeted.ce_type())
        async with svc.engine.begin() as conn:
            again = await fanout_store.fan_out(
                AsyncSession(bind=conn), content_id, uuid.UUID(first_chunk.id), audience[:1000]
            )
        assert again == {}

    # The offsets back at the topics' start: a group that has none reads from the start. (The
    # same group's offsets cannot be reset from outside on Tansu: a stopped member lingers in its
    # group, which then refuses outside commits.) Under a new name its inbox knows nothing, so
    # every launch and chunk, originals and copies, is planned again: nothing is added.
    async with notifications_service([district], database_url=database_url) as svc:
        await wait_for(lambda: _read(svc) >= 2 * len(feed.sent), timeout=60)
        assert await rows_by_channel(svc.engine) == {"in_app": invited, "email": 2, "sms": 1}
        assert await duplicate_rows(svc.engine) == 0


async def test_a_chunk_read_before_its_federation_launch_waits_for_it(notifications_service) -> None:
    district = new_district("fo")
    async with notifications_service([district], consumer_max_retry_backoff_seconds=0.5) as svc:
        members = await copy_members(svc.engine, district, 30)
        feed = CampaignsFeed(svc.producer)
        campaign_id = uuid.uuid4()
        chunk = cev.AudienceTargeted(
            campaign_id=campaign_id, district=district, chunk=1, chunks=1, member_ids=members
        )
        await feed.publish(chunk, district, district)
        await svc.producer.flush()
        # The chunk is read and held (its launch unknown) before the launch comes, on the federation topic.
        await wait_for(lambda: _failed(svc) > 0, timeout=30)
        launch = winter_launch(campaign_id)
        await feed.publish(launch, None, None)
        await svc.producer.flush()
        await wait_for(
            lambda: _count(svc.engine, invitation_content_id(campaign_id), len(members)), timeout=60
        )
        assert await rows_by_channel(svc.engine) == {"in_app": len(members)}


async def test_a_chunk_whose_launch_never_came_is_dead_lettered_with_its_reason(
    notifications_service,
) -> None:
    district = new_district("fo")
    group = f"notifications-audience-{uuid.uuid4().hex[:8]}"
    async with notifications_service(
        [district],
        audience_group=group,
        consumer_transient_retry_seconds=1.0,
        consumer_max_retry_backoff_seconds=0.5,
    ) as svc:
        members = await copy_members(svc.engine, district, 5)
        campaign_id = uuid.uuid4()
        chunk = cev.AudienceTargeted(
            campaign_id=campaign_id, district=district, chunk=1, chunks=1, member_ids=members
        )
        envelope = Envelope.wrap(chunk, source="/unionfed/campaigns", district=district)
        await CampaignsFeed(svc.producer).send(topics.district_events("campaigns", district), envelope)

        async def dead_lettered() -> list[str]:
            return [
                letter.reason
                for letter in await read_dead_letters(svc.settings.kafka_bootstrap_servers, group, idle=0.5)
            ]

        reasons = await wait_for(dead_lettered, timeout=60)
        assert len(reasons) == 1
        assert "LaunchNotSeen" in reasons[0] and str(campaign_id) in reasons[0]
        assert await rows_by_channel(svc.engine) == {}


async def _count(engine, content_id: uuid.UUID, expected: int) -> bool:
    return len(await in_app_recipients(engine, content_id)) >= expected


def _failed(svc) -> float:
    """Failed tries of the audience group (a chunk held before its launch counts as transient)."""
    labels = {"consumer": svc.settings.audience_group, "reason": "transient"}
    return REGISTRY.get_sample_value("unionfed_events_failed_total", labels) or 0


def _read(svc) -> float:
    """Events the audience group applied or skipped as duplicates (its chassis metrics)."""
    group = svc.settings.audience_group
    consumed = sum(
        REGISTRY.get_sample_value("unionfed_events_consumed_total", {"consumer": group, "type": t}) or 0
        for t in (cev.CampaignLaunched.ce_type(), cev.AudienceTargeted.ce_type())
    )
    return consumed + (REGISTRY.get_sample_value("unionfed_events_duplicate_total", {"consumer": group}) or 0)
