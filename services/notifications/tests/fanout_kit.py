"""Helpers of the fan-out tests: members put straight into the member view (COPY for large
audiences), preferences and contact points, a campaign launch, and counts of the rows the fan-out
wrote."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from notifications.adapters.orm import contact_points, contents, notifications, preferences
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_events import campaigns as cev

MEMBER_COLUMNS = ("member_id", "name", "branch_id", "district", "status", "joined_on", "version")


async def copy_members(
    engine: AsyncEngine, district: str, count: int, status: str = "active"
) -> list[uuid.UUID]:
    """`count` members of one district in the view, written with COPY (what a view rebuilt from
    membership's events would hold)."""
    ids = [uuid.uuid4() for _ in range(count)]
    rows = [(m, "测试会员", f"{district}-b1", district, status, date(2024, 5, 1), 1) for m in ids]
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table("members", records=rows, columns=MEMBER_COLUMNS)  # type: ignore[union-attr]
        await conn.commit()
    return ids


async def set_preferences(engine: AsyncEngine, member_id: uuid.UUID, **values: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.insert(preferences).values(recipient_id=str(member_id), **values))


async def give_contact(
    engine: AsyncEngine, member_id: uuid.UUID, district: str, email: bool, phone: bool
) -> None:
    """A contact-points row as the contacts consumer keeps it (the sealed box is not opened here)."""
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(contact_points).values(
                member_id=member_id,
                district=district,
                branch_id=f"{district}-b1",
                key_id="test",
                sealed="not-opened-by-the-fan-out",
                has_email=email,
                has_phone=phone,
            )
        )


async def rows_by_channel(engine: AsyncEngine, caused_by: Sequence[str] | None = None) -> dict[str, int]:
    """Campaign invitations by channel. Only those: the events consumer also plans whatever else
    it reads, such as the last batch of an earlier test's topic that Tansu hands a new group
    (`skip_other_districts`), and those rows are no fan-out's."""
    query = (
        sa.select(notifications.c.channel, sa.func.count())
        .join(contents, contents.c.content_id == notifications.c.content_id)
        .where(contents.c.template == "campaign_invitation")
        .group_by(notifications.c.channel)
    )
    if caused_by is not None:
        query = query.where(notifications.c.caused_by.in_([uuid.UUID(c) for c in caused_by]))
    async with engine.connect() as conn:
        return {channel: n for channel, n in (await conn.execute(query)).all()}


async def duplicate_rows(engine: AsyncEngine) -> int:
    """(recipient, channel) pairs with more than one campaign row: must stay 0."""
    query = sa.text(
        "SELECT count(*) FROM (SELECT recipient_id, channel, content_id FROM notifications "
        "GROUP BY 1, 2, 3 HAVING count(*) > 1) d"
    )
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def in_app_recipients(engine: AsyncEngine, content_id: uuid.UUID) -> list[str]:
    query = sa.select(notifications.c.recipient_id).where(
        notifications.c.content_id == content_id, notifications.c.channel == "in_app"
    )
    async with engine.connect() as conn:
        return list((await conn.execute(query)).scalars())


def winter_launch(campaign_id: uuid.UUID) -> cev.CampaignLaunched:
    """A Winter Warmth launch open to every district and industry, from today for 30 days."""
    today = date.today()
    return cev.CampaignLaunched(
        campaign_id=campaign_id,
        kind=cev.CampaignKind.WINTER_WARMTH,
        title="冬送温暖",
        districts=[],
        industries=[],
        starts_on=today,
        ends_on=today + timedelta(days=30),
    )
