"""Settings of the campaigns service (environment variables, on top of the chassis ones)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field
from unionfed_chassis.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class CampaignsSettings(ServiceSettings):
    service_name: str = "campaigns"
    http_port: int = 8103

    timezone: str = Field(
        "Asia/Shanghai", description="Whose calendar days campaigns start and end on (launch and close)"
    )
    schedule_check_seconds: float = Field(
        30, gt=0, description="How often due launches and closes are looked for"
    )
    member_view_group: str = Field(
        "campaigns-members",
        description="Consumer group of the member view; a new name rebuilds the view from the topics' start",
    )
    hardship_group: str = Field(
        "campaigns-hardship", description="Consumer group of the hardship view read from assistance's events"
    )
    notified_group: str = Field(
        "campaigns-notified",
        description="Consumer group of notifications' audience summaries (the campaigns' `notified` figure)",
    )
    seed_random: int = Field(13, description="Seed of the demo data generator (same seed, same data)")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
