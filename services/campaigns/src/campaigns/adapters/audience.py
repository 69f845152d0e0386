"""Who an audience rule matches, in SQL over the service's own views: active members of the
member view matching every non-empty criterion; the hardship status from `hardship_view`.

The age band becomes a birth-year range (see `domain.audience.birth_years`), so a member
without a birth year matches no band (a comparison with NULL is never true)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_events.campaigns import AudienceRule, HardshipFilter

from campaigns.adapters.orm import audience_members, hardship_view, members
from campaigns.domain.audience import birth_years


def _criteria(rule: AudienceRule, on: date) -> list[Any]:
    m = members.c
    where: list[Any] = [m.status == "active"]
    if rule.districts:
        where.append(m.district.in_(rule.districts))
    if rule.branch_ids:
        where.append(m.branch_id.in_(rule.branch_ids))
    if rule.industries:
        where.append(m.industry.in_(rule.industries))
    if rule.employment_types:
        where.append(m.employment_type.in_([t.value for t in rule.employment_types]))
    earliest, latest = birth_years(rule, on)
    if earliest is not None:
        where.append(m.birth_year >= earliest)
    if latest is not None:
        where.append(m.birth_year <= latest)
    if rule.hardship is not HardshipFilter.ANY:
        registered = sa.exists().where(
            hardship_view.c.member_id == m.member_id, hardship_view.c.registered.is_(True)
        )
        where.append(registered if rule.hardship is HardshipFilter.REGISTERED else ~registered)
    return where


def audience_select(rule: AudienceRule, on: date) -> sa.Select[Any]:
    """member_id, district, branch_id of every member the rule matches on `on`."""
    return sa.select(members.c.member_id, members.c.district, members.c.branch_id).where(*_criteria(rule, on))


async def audience_counts(session: AsyncSession, rule: AudienceRule, on: date) -> dict[str, int]:
    """How many members the rule matches on `on`, per district (districts with none left out)."""
    query = (
        sa.select(members.c.district, sa.func.count())
        .where(*_criteria(rule, on))
        .group_by(members.c.district)
    )
    return {district: int(n) for district, n in await session.execute(query)}


async def snapshot(session: AsyncSession, campaign_id: UUID, rule: AudienceRule, on: date) -> int:
    """Write who the rule matches now as the campaign's fixed audience; returns its size."""
    matched = audience_select(rule, on).subquery()
    insert = sa.insert(audience_members).from_select(
        ["campaign_id", "member_id", "district", "branch_id"],
        sa.select(
            sa.literal(campaign_id, audience_members.c.campaign_id.type),
            matched.c.member_id,
            matched.c.district,
            matched.c.branch_id,
        ),
    )
    result = await session.execute(insert)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def frozen_counts(session: AsyncSession, campaign_id: UUID) -> dict[str, int]:
    """The launched audience per district, as the snapshot holds it."""
    a = audience_members.c
    query = sa.select(a.district, sa.func.count()).where(a.campaign_id == campaign_id).group_by(a.district)
    return {district: int(n) for district, n in await session.execute(query)}


async def targeted_ids(session: AsyncSession, campaign_id: UUID) -> dict[str, list[UUID]]:
    """The launched audience's member ids per district, in a stable order (for the chunks)."""
    a = audience_members.c
    rows = await session.execute(
        sa.select(a.district, a.member_id)
        .where(a.campaign_id == campaign_id)
        .order_by(a.district, a.member_id)
    )
    out: dict[str, list[UUID]] = {}
    for district, member_id in rows:
        out.setdefault(district, []).append(member_id)
    return out
