"""A recipient's choices and what they mean for one message, plain Python.

Defaults (no preferences row): every channel the recipient can be reached on, campaign messages
on, no quiet hours, Chinese. Critical messages (decisions about the member's own case) ignore
channel narrowing, the campaign opt-out and quiet hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from notifications.domain.model import Category, Channel

DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Preferences:
    language: str = DEFAULT_LANGUAGE
    channels: dict[Category, frozenset[Channel]] = field(default_factory=dict)
    campaign_opt_out: bool = False
    quiet_start: time | None = None
    quiet_end: time | None = None
    timezone: str = "Asia/Shanghai"


def channels_for(
    prefs: Preferences, category: Category, critical: bool, reachable: Iterable[Channel]
) -> list[Channel]:
    """The channels one message goes out on: those the recipient can be reached on, narrowed by
    their choice for the category, none for an opted-out campaign message; a critical message
    goes everywhere the recipient can be reached."""
    reachable = list(reachable)
    if critical:
        return reachable
    if category == Category.CAMPAIGN and prefs.campaign_opt_out:
        return []
    chosen = prefs.channels.get(category)
    return reachable if chosen is None else [c for c in reachable if c in chosen]


def quiet_until(prefs: Preferences, channel: Channel, critical: bool, now: datetime) -> datetime | None:
    """When an SMS due `now` may go out, if quiet hours hold it; None to send at once. Quiet
    hours are the recipient's local times, and may run over midnight (22:00-07:00)."""
    if critical or channel != Channel.SMS or prefs.quiet_start is None or prefs.quiet_end is None:
        return None
    if prefs.quiet_start == prefs.quiet_end:
        return None
    local = now.astimezone(ZoneInfo(prefs.timezone))
    start, end, t = prefs.quiet_start, prefs.quiet_end, local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_today = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    ends = end_today if end_today > local else end_today + timedelta(days=1)
    return ends.astimezone(now.tzinfo)
