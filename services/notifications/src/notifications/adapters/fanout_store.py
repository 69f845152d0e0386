"""SQL of a campaign's fan-out: the invitation's content, and one set-based INSERT per audience
chunk (no Python loop per member, no ORM rows), deduplicated by `notifications_once`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters.orm import contents, members
from notifications.domain.fanout import CAMPAIGN_CHANNELS, CATEGORY, INVITATION_TEMPLATE
from notifications.domain.model import Channel, Priority, RecipientKind

# Members whose personal data was erased get nothing; the column comes with the erasure work,
# so the filter applies once it exists.
_NOT_ERASED = "AND m.erased_on IS NULL" if getattr(members.c, "erased_on", None) is not None else ""

# The campaign channels as a VALUES list: (channel, used without a choice for the category).
_CHANNELS = ", ".join(f"('{c.value}', {str(default).lower()})" for c, default in CAMPAIGN_CHANNELS)

# One statement per chunk. `audience`: the chunk's members still active (a member who left or was
# erased since the launch is skipped), with their choices and whether they can be reached.
# `planned`: one row per (member, channel) their preferences allow. In-app rows are the inbox,
# so they are delivered as they are written; e-mail and SMS rows wait for the dispatcher, after
# every one person's message (priority BULK).
_FAN_OUT = sa.text(f"""
WITH chunk AS (
    SELECT DISTINCT unnest(CAST(:member_ids AS uuid[])) AS member_id
), audience AS (
    SELECT m.member_id,
           coalesce(p.campaign_opt_out, false) AS opted_out,
           p.channels -> '{CATEGORY.value}' AS chosen,
           coalesce(cp.has_email, false) AS has_email,
           coalesce(cp.has_phone, false) AS has_phone
    FROM chunk
    JOIN members m ON m.member_id = chunk.member_id
    LEFT JOIN preferences p ON p.recipient_id = m.member_id::text
    LEFT JOIN contact_points cp ON cp.member_id = m.member_id
    WHERE m.status = 'active' {_NOT_ERASED}
), planned AS (
    SELECT a.member_id, c.channel
    FROM audience a
    CROSS JOIN (VALUES {_CHANNELS}) AS c (channel, by_default)
    WHERE NOT a.opted_out
      AND CASE WHEN a.chosen IS NULL THEN c.by_default ELSE a.chosen @> jsonb_build_array(c.channel) END
      AND CASE c.channel
              WHEN '{Channel.EMAIL.value}' THEN a.has_email
              WHEN '{Channel.SMS.value}' THEN a.has_phone
              ELSE true
          END
), inserted AS (
    INSERT INTO notifications
        (content_id, caused_by, recipient_kind, recipient_id, channel, status, priority, delivered_at)
    SELECT CAST(:content_id AS uuid), CAST(:caused_by AS uuid), '{RecipientKind.MEMBER.value}',
           member_id::text, channel,
           CASE WHEN channel = '{Channel.IN_APP.value}' THEN 'delivered' ELSE 'pending' END,
           {int(Priority.BULK)},
           CASE WHEN channel = '{Channel.IN_APP.value}' THEN now() END
    FROM planned
    ON CONFLICT ON CONSTRAINT notifications_once DO NOTHING
    RETURNING channel
)
SELECT channel, count(*) AS notified FROM inserted GROUP BY channel
""")


async def add_invitation(
    session: AsyncSession,
    content_id: UUID,
    caused_by: UUID,
    caused_type: str,
    district: str | None,
    params: dict[str, Any],
) -> None:
    """The invitation's content, once per launch (a redelivered launch adds nothing)."""
    statement = insert(contents).values(
        content_id=content_id,
        caused_by=caused_by,
        caused_type=caused_type,
        template=INVITATION_TEMPLATE,
        category=CATEGORY.value,
        critical=False,
        district=district,
        params=params,
    )
    await session.execute(statement.on_conflict_do_nothing())


async def invitation_exists(session: AsyncSession, content_id: UUID) -> bool:
    found = await session.execute(sa.select(contents.c.content_id).where(contents.c.content_id == content_id))
    return found.first() is not None


async def fan_out(
    session: AsyncSession, content_id: UUID, caused_by: UUID, member_ids: Sequence[UUID]
) -> dict[Channel, int]:
    """Write the chunk's notification rows; how many were new, by channel."""
    result = await session.execute(
        _FAN_OUT,
        {"member_ids": list(member_ids), "content_id": content_id, "caused_by": caused_by},
    )
    return {Channel(channel): notified for channel, notified in result.all()}
