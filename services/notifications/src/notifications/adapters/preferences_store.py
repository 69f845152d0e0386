"""A recipient's preferences row, read into and written from `domain.preferences.Preferences`.

No row means the defaults. The reader is tolerant: a category or channel this version does not
know (written by a newer one) is skipped, never an error."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.adapters.orm import preferences
from notifications.domain.model import Category, Channel
from notifications.domain.preferences import Preferences

_CATEGORIES = {c.value for c in Category}
_CHANNELS = {c.value for c in Channel}


async def load(session: AsyncSession, recipient_id: str) -> Preferences:
    """The recipient's preferences, or the defaults when they never chose."""
    row = (
        await session.execute(preferences.select().where(preferences.c.recipient_id == recipient_id))
    ).one_or_none()
    return Preferences() if row is None else from_row(row)


async def languages(session: AsyncSession, recipient_ids: list[str]) -> dict[str, str]:
    """The chosen language of those of `recipient_ids` who chose one."""
    rows = await session.execute(
        sa.select(preferences.c.recipient_id, preferences.c.language).where(
            preferences.c.recipient_id.in_(recipient_ids)
        )
    )
    return {r.recipient_id: r.language for r in rows}


async def save(session: AsyncSession, recipient_id: str, prefs: Preferences) -> None:
    """Replace the recipient's preferences (a PUT: what is not given is back to its default)."""
    values = _values(prefs)
    statement = insert(preferences).values(recipient_id=recipient_id, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[preferences.c.recipient_id], set_={**values, "updated_at": sa.func.now()}
        )
    )


def from_row(row: Any) -> Preferences:
    channels = {
        Category(category): frozenset(Channel(c) for c in chosen if c in _CHANNELS)
        for category, chosen in (row.channels or {}).items()
        if category in _CATEGORIES
    }
    return Preferences(
        language=row.language,
        channels=channels,
        campaign_opt_out=row.campaign_opt_out,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        timezone=row.timezone,
    )


def _values(prefs: Preferences) -> dict[str, Any]:
    return {
        "language": prefs.language,
        "channels": {c.value: sorted(ch.value for ch in chosen) for c, chosen in prefs.channels.items()},
        "campaign_opt_out": prefs.campaign_opt_out,
        "quiet_start": prefs.quiet_start,
        "quiet_end": prefs.quiet_end,
        "timezone": prefs.timezone,
    }
