"""Realistic events for the console's browser tests, published the way the services' relays do
(`unionfed_devstack.feeds.DomainFeed`): members joining with Chinese names (membership), and an
aid case for one of them (assistance), each step caused by the one before (joined → requested →
approved → granted), all in one conversation (correlation id)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from aiokafka import AIOKafkaProducer
from unionfed_devstack.feeds import DomainFeed
from unionfed_events import Envelope, Event
from unionfed_events import assistance as aev
from unionfed_events import membership as mev

NAMES = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵丽", "黄敏")


@dataclass
class Member:
    member_id: uuid.UUID
    card_number: str
    name: str
    joined: Envelope


@dataclass
class Story:
    """Publishes one district's events; returns the envelopes, so a test knows their ids."""

    producer: AIOKafkaProducer
    district: str
    branch_id: str

    @property
    def membership(self) -> DomainFeed:
        return DomainFeed(self.producer, "membership")

    @property
    def assistance(self) -> DomainFeed:
        return DomainFeed(self.producer, "assistance")

    async def join(self, name: str, industry: str = "construction") -> Member:
        member_id = uuid.uuid4()
        card = f"{self.district.upper()}-{uuid.uuid4().hex[:6]}"
        event = mev.MemberJoined(
            member_id=member_id,
            card_number=card,
            name=name,
            branch_id=self.branch_id,
            district=self.district,
            industry=industry,
            employment_type=mev.EmploymentType.MIGRANT,
            joined_on=date.today(),
            channel=mev.JoinChannel.OFFICER,
            national_id_masked="1101**********1234",
            birth_year=1988,
        )
        joined = await self.membership.publish(event, self.district, sequence=1)
        return Member(member_id, card, name, joined)

    async def leave(self, member: Member) -> Envelope:
        event = mev.MemberLeft(
            member_id=member.member_id,
            branch_id=self.branch_id,
            district=self.district,
            reason=mev.LeaveReason.RESIGNED,
            left_on=date.today(),
        )
        return await self.membership.publish(event, self.district, sequence=2)

    async def aid_case(self, member: Member) -> list[Envelope]:
        """Requested (caused by the join), approved at the branch, granted: each caused by the last."""
        case_id = uuid.uuid4()
        common = {"case_id": case_id, "member_id": member.member_id, "district": self.district}
        step = aev.ApprovalStep(
            level=aev.ApprovalLevel.BRANCH,
            decision=aev.Decision.APPROVED,
            actor="officer-7",
            actor_role="branch_officer",
            at=datetime.now(UTC),
        )
        events: list[Event] = [
            aev.AidRequested(
                **common,
                aid_type=aev.AidType.MEDICAL,
                amount_yuan=3000,
                branch_id=self.branch_id,
                requested_on=date.today(),
                levels=[aev.ApprovalLevel.BRANCH],
                trail=[],
            ),
            aev.AidApproved(
                **common,
                branch_id=self.branch_id,
                level=aev.ApprovalLevel.BRANCH,
                approved_amount_yuan=3000,
                next_level=None,
                trail=[step],
            ),
            aev.AidGranted(
                **common,
                aid_type=aev.AidType.MEDICAL,
                amount_yuan=3000,
                branch_id=self.branch_id,
                fund=f"{self.district}:{date.today().year}:medical",
                budget_year=date.today().year,
                trail=[step],
            ),
        ]
        sent: list[Envelope] = []
        cause = member.joined
        for event in events:
            envelope = Envelope.wrap(
                event,
                source="/unionfed/assistance",
                district=self.district,
                branch=self.branch_id,
                correlationid=member.joined.correlationid,
                causationid=cause.id,
                actor="officer-7",
                actorrole="branch_officer",
            )
            await self.assistance.resend(envelope)
            sent.append(envelope)
            cause = envelope
        return sent
