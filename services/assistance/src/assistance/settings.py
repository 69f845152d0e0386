"""Settings of the assistance service (environment variables, on top of the chassis ones)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import Field, model_validator
from unionfed_chassis.settings import ServiceSettings

from assistance.domain.policy import ApprovalThresholds, AssistancePolicy, YearlyCaps

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class AssistanceSettings(ServiceSettings):
    service_name: str = "assistance"
    http_port: int = 8102

    branch_limit_yuan: Decimal = Field(
        Decimal("2000"), ge=0, description="Money aid up to this amount needs the branch's approval only"
    )
    district_limit_yuan: Decimal = Field(
        Decimal("10000"),
        ge=0,
        description="Up to this amount branch then district; above it the federation too",
    )
    cap_living_yuan: Decimal = Field(Decimal("6000"), ge=0, description="Living aid per member per year")
    cap_education_yuan: Decimal = Field(
        Decimal("5000"), ge=0, description="Education aid per member per year"
    )
    cap_medical_yuan: Decimal = Field(Decimal("20000"), ge=0, description="Medical aid per member per year")
    escalate_after_hours: float = Field(
        72, gt=0, description="A case waiting longer than this at one level moves up to the next"
    )
    grant_expiry_days: int = Field(
        90, ge=1, description="Granted money aid not paid within this many days expires and is released"
    )
    deadline_check_seconds: float = Field(60, gt=0, description="How often escalation and expiry are checked")
    member_view_group: str = Field(
        "assistance-members",
        description="Consumer group of the member view; a new name rebuilds the view from the topics' start",
    )
    campaigns_group: str = Field(
        "assistance-campaigns", description="Consumer group of the aid windows read from campaigns' events"
    )
    seed_random: int = Field(11, description="Seed of the demo data generator (same seed, same data)")

    @model_validator(mode="after")
    def _check_thresholds(self) -> AssistanceSettings:
        if self.district_limit_yuan < self.branch_limit_yuan:
            raise ValueError("DISTRICT_LIMIT_YUAN must not be below BRANCH_LIMIT_YUAN")
        return self

    def policy(self) -> AssistancePolicy:
        return AssistancePolicy(
            thresholds=ApprovalThresholds(self.branch_limit_yuan, self.district_limit_yuan),
            caps=YearlyCaps(
                living=self.cap_living_yuan, education=self.cap_education_yuan, medical=self.cap_medical_yuan
            ),
        )
