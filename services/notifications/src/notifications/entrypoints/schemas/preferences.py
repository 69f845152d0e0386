"""Request and response models of preferences: language, channels per category, the campaign
opt-out and quiet hours (held SMS; critical messages ignore all of these)."""

from __future__ import annotations

from datetime import time
from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from unionfed_chassis.routes import Public

from notifications.domain.model import Category, Channel
from notifications.domain.preferences import Preferences

Language = Literal["zh", "en"]
# The channels a person is reached on; webhooks are branch systems', never a person's choice.
PersonChannel = Literal["in_app", "email", "sms"]
DEFAULT_TIMEZONE = "Asia/Shanghai"


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zone(value: str) -> str:
    # Membership in the IANA list, not ZoneInfo(value): that would also open file paths.
    if value not in _zones():
        raise ValueError("unknown time zone: use an IANA name such as Asia/Shanghai")
    return value


TimeZone = Annotated[str, Field(max_length=64, examples=[DEFAULT_TIMEZONE]), AfterValidator(_known_zone)]


def _local_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a local time without offset (the zone is `timezone`)")
    return value.replace(second=0, microsecond=0)


LocalTime = Annotated[time, AfterValidator(_local_time)]


class QuietHours(BaseModel):
    """SMS due between `start` and `end` (local times in `timezone`; may run over midnight, as
    22:00-07:00) wait until `end`."""

    model_config = ConfigDict(extra="forbid")

    start: LocalTime
    end: LocalTime
    timezone: TimeZone = DEFAULT_TIMEZONE

    @field_validator("end")
    @classmethod
    def _not_empty(cls, end: time, info: ValidationInfo) -> time:
        if info.data.get("start") == end:
            raise ValueError("must differ from start (for no quiet hours, send quiet_hours: null)")
        return end


class PreferencesUpdate(BaseModel):
    """The whole of one's preferences (PUT replaces them; what is left out is back to its default)."""

    model_config = ConfigDict(extra="forbid")

    language: Language = "zh"
    channels: dict[Category, Annotated[list[PersonChannel], Field(max_length=3)]] = Field(
        default_factory=dict,
        description=(
            "Per category, the only channels to use (an empty list: none); a category left out "
            "uses every channel the recipient can be reached on"
        ),
    )
    campaign_opt_out: bool = Field(False, description="No campaign messages at all")
    quiet_hours: QuietHours | None = None

    def to_domain(self) -> Preferences:
        quiet = self.quiet_hours
        return Preferences(
            language=self.language,
            channels={c: frozenset(Channel(ch) for ch in chosen) for c, chosen in self.channels.items()},
            campaign_opt_out=self.campaign_opt_out,
            quiet_start=quiet.start if quiet else None,
            quiet_end=quiet.end if quiet else None,
            timezone=quiet.timezone if quiet else DEFAULT_TIMEZONE,
        )


class PreferencesPublic(Public):
    language: str
    channels: dict[str, list[str]]
    campaign_opt_out: bool
    quiet_hours: QuietHours | None

    @classmethod
    def of(cls, prefs: Preferences) -> PreferencesPublic:
        quiet = (
            QuietHours.model_construct(start=prefs.quiet_start, end=prefs.quiet_end, timezone=prefs.timezone)
            if prefs.quiet_start is not None and prefs.quiet_end is not None
            else None
        )
        channels = {c.value: sorted(ch.value for ch in chosen) for c, chosen in prefs.channels.items()}
        return cls(
            language=prefs.language,
            channels=channels,
            campaign_opt_out=prefs.campaign_opt_out,
            quiet_hours=quiet,
        )
