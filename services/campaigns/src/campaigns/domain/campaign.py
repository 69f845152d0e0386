"""A campaign's lifecycle (plain Python): draft → scheduled → launched → closed, or cancelled
before launch. Each transition checks its dates against the day it happens on (in the
service's time zone) and bumps the version, which orders the campaign's events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from unionfed_events.campaigns import AudienceRule, CampaignKind, CampaignResults

from campaigns.domain.errors import DomainError, InvalidTransition


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LAUNCHED = "launched"
    CLOSED = "closed"
    CANCELLED = "cancelled"


BEFORE_LAUNCH = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


@dataclass
class Campaign:
    campaign_id: UUID
    kind: CampaignKind
    title: str
    owner_district: str | None
    starts_on: date
    ends_on: date
    audience: AudienceRule
    created_by: str
    description: str = ""
    capacity: int | None = None
    status: CampaignStatus = CampaignStatus.DRAFT
    audience_size: int | None = None
    results: CampaignResults | None = None
    cancel_reason: str | None = None
    launched_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = 1

    @classmethod
    def draft(cls, **values: Any) -> Campaign:
        campaign = cls(**values)
        campaign._check_dates(campaign.starts_on, campaign.ends_on)
        _check_capacity(campaign.capacity)
        return campaign

    def revise(self, today: date, **changes: Any) -> None:
        """Change what a campaign says before it launches (title, description, dates, audience,
        capacity); a scheduled campaign's new dates must still lie ahead."""
        self._require(BEFORE_LAUNCH, "revised")
        starts_on = changes.get("starts_on", self.starts_on)
        ends_on = changes.get("ends_on", self.ends_on)
        self._check_dates(starts_on, ends_on)
        if self.status is CampaignStatus.SCHEDULED:
            _check_ahead(starts_on, ends_on, today)
        _check_capacity(changes.get("capacity", self.capacity))
        for name, value in changes.items():
            setattr(self, name, value)
        self.version += 1

    def schedule(self, today: date) -> None:
        """It will launch by itself on `starts_on` and close after `ends_on`."""
        self._require((CampaignStatus.DRAFT,), "scheduled")
        _check_ahead(self.starts_on, self.ends_on, today)
        self.status = CampaignStatus.SCHEDULED
        self.version += 1

    def launch(self, today: date, at: datetime) -> None:
        """Launch now. A draft must not be past its end; a scheduled campaign launches when due
        even if the service was down until after its end (the close follows at once). Launched
        before its start date, it starts today."""
        self._require(BEFORE_LAUNCH, "launched")
        if self.status is CampaignStatus.DRAFT and self.ends_on < today:
            raise DomainError(
                "the campaign's end date has passed; change its dates first",
                field="ends_on",
                rule="ends_not_past",
            )
        self.starts_on = min(self.starts_on, today)
        self.status = CampaignStatus.LAUNCHED
        self.launched_at = at
        self.version += 1

    def fix_audience(self, size: int) -> None:
        """The audience the rule matched at launch (the snapshot's size)."""
        if self.status is not CampaignStatus.LAUNCHED:
            raise InvalidTransition("the audience is fixed at launch", rule="campaign_launched")
        self.audience_size = size

    def close(self, today: date, at: datetime, results: CampaignResults) -> None:
        """End it (early, or by the scheduler after its end date) with its results; closed early,
        its last day is today."""
        self._require((CampaignStatus.LAUNCHED,), "closed")
        self.ends_on = max(min(self.ends_on, today), self.starts_on)
        self.status = CampaignStatus.CLOSED
        self.results = results
        self.closed_at = at
        self.version += 1

    def cancel(self, reason: str) -> None:
        self._require(BEFORE_LAUNCH, "cancelled")
        if not reason.strip():
            raise DomainError("say why the campaign is called off", field="reason")
        self.status = CampaignStatus.CANCELLED
        self.cancel_reason = reason
        self.version += 1

    def launch_due(self, today: date) -> bool:
        return self.status is CampaignStatus.SCHEDULED and self.starts_on <= today

    def close_due(self, today: date) -> bool:
        return self.status is CampaignStatus.LAUNCHED and self.ends_on < today

    def _require(self, allowed: tuple[CampaignStatus, ...], verb: str) -> None:
        if self.status not in allowed:
            names = " or ".join(s.value for s in allowed)
            raise InvalidTransition(
                f"a {self.status.value} campaign cannot be {verb} (only a {names} one)",
                rule=f"campaign_{'_or_'.join(s.value for s in allowed)}",
            )

    @staticmethod
    def _check_dates(starts_on: date, ends_on: date) -> None:
        if ends_on < starts_on:
            raise DomainError("the campaign ends before it starts", field="ends_on", rule="dates_ordered")


def _check_ahead(starts_on: date, ends_on: date, today: date) -> None:
    if starts_on < today:
        raise DomainError(
            "a scheduled start must be today or later (launch it now instead)",
            field="starts_on",
            rule="starts_not_past",
        )
    if ends_on < today:
        raise DomainError("the campaign's end date has passed", field="ends_on", rule="ends_not_past")


def _check_capacity(capacity: int | None) -> None:
    if capacity is not None and capacity < 1:
        raise DomainError("a capacity is at least one place", field="capacity", rule="capacity_positive")
