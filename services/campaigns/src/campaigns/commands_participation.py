"""Commands of participation and deliveries: what an organiser asks (imperative names, plain data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class EnrolParticipant:
    campaign_id: UUID
    member_id: UUID


@dataclass(frozen=True)
class WithdrawParticipant:
    campaign_id: UUID
    member_id: UUID


@dataclass(frozen=True)
class RecordDelivery:
    campaign_id: UUID
    district: str
    branch_id: str | None
    site: str
    items: str
    workers_reached: int
    delivered_on: date
    today: date  # in the service's time zone: a delivery is never dated in the future
