"""Test feeds: publish another service's events the way its relay does (its topics, its source,
its headers), so a consumer under test reads exactly what production would give it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from aiokafka import AIOKafkaProducer
from unionfed_chassis import contact_seal
from unionfed_events import Envelope, Event, topics
from unionfed_events import assistance as aev
from unionfed_events import campaigns as cev
from unionfed_events import membership as mev


def member_joined(
    district: str,
    branch_id: str,
    member_id: uuid.UUID,
    card_number: str,
    industry: str = "construction",
    employment_type: mev.EmploymentType = mev.EmploymentType.MIGRANT,
    birth_year: int | None = 1990,
) -> mev.MemberJoined:
    """A test member's `MemberJoined` (a made-up name, a test national id's masked form)."""
    return mev.MemberJoined(
        member_id=member_id,
        card_number=card_number,
        name="测试会员",
        branch_id=branch_id,
        district=district,
        industry=industry,
        employment_type=employment_type,
        joined_on=date(2024, 5, 1),
        channel=mev.JoinChannel.OFFICER,
        national_id_masked="1101**********1234",
        birth_year=birth_year,
    )


@dataclass
class MembershipFeed:
    """Publishes membership's events the way membership's relay does: its topics, its source,
    the member's version as `sequence`."""

    producer: AIOKafkaProducer
    versions: dict[uuid.UUID, int] = field(default_factory=dict)
    cards: int = 0

    async def publish(
        self, event: Event, district: str, member_id: uuid.UUID | None = None, sequence: int | None = None
    ) -> None:
        if member_id is not None and sequence is None:
            sequence = self.versions[member_id] = self.versions.get(member_id, 0) + 1
        envelope = Envelope.wrap(event, source="/unionfed/membership", district=district, sequence=sequence)
        await self.producer.send_and_wait(
            topics.district_events("membership", district),
            envelope.data,
            key=envelope.key,
            headers=envelope.headers(),
        )

    async def branch(self, district: str, industry: str = "construction") -> str:
        branch_id = f"{district}-b{uuid.uuid4().hex[:6]}"
        event = mev.BranchEstablished(
            branch_id=branch_id,
            name=f"{branch_id} 工会",
            kind=mev.BranchKind.ENTERPRISE,
            industry=industry,
            district=district,
            established_on=date(2020, 1, 1),
        )
        await self.publish(event, district)
        return branch_id

    async def join(
        self,
        district: str,
        branch_id: str,
        industry: str = "construction",
        employment_type: mev.EmploymentType = mev.EmploymentType.MIGRANT,
        birth_year: int | None = 1990,
    ) -> uuid.UUID:
        member_id = uuid.uuid4()
        self.cards += 1
        event = member_joined(
            district, branch_id, member_id, f"T-{self.cards:06d}", industry, employment_type, birth_year
        )
        await self.publish(event, district, member_id)
        return member_id

    async def contact_points(
        self, district: str, branch_id: str, member_id: uuid.UUID, phone: str | None, email: str | None
    ) -> None:
        """The member's contact points, sealed to the development key, on the private topic."""
        sealed = contact_seal.seal(contact_seal.dev_public_key(), contact_seal.ContactPoints(phone, email))
        event = mev.MemberContactPoints(
            member_id=member_id,
            branch_id=branch_id,
            district=district,
            sealed=sealed,
            key_id=contact_seal.DEV_KEY_ID,
            has_phone=phone is not None,
            has_email=email is not None,
        )
        envelope = Envelope.wrap(event, source="/unionfed/membership", district=district)
        await self.producer.send_and_wait(
            topics.CONTACT_POINTS, envelope.data, key=envelope.key, headers=envelope.headers()
        )

    async def leave(self, district: str, branch_id: str, member_id: uuid.UUID) -> None:
        event = mev.MemberLeft(
            member_id=member_id,
            branch_id=branch_id,
            district=district,
            reason=mev.LeaveReason.RESIGNED,
            left_on=date.today(),
        )
        await self.publish(event, district, member_id)


@dataclass
class HardshipFeed:
    """Publishes the hardship registry's events the way assistance's relay does."""

    producer: AIOKafkaProducer

    async def publish(self, event: Event, district: str) -> None:
        envelope = Envelope.wrap(event, source="/unionfed/assistance", district=district)
        await self.producer.send_and_wait(
            topics.district_events("assistance", district),
            envelope.data,
            key=envelope.key,
            headers=envelope.headers(),
        )

    async def register(self, district: str, branch_id: str, member_id: uuid.UUID) -> None:
        event = aev.HardshipWorkerRegistered(
            record_id=uuid.uuid4(),
            member_id=member_id,
            branch_id=branch_id,
            district=district,
            category=aev.HardshipCategory.DEEP,
            causes=[aev.HardshipCause.ILLNESS],
            household_size=3,
            registered_on=date.today(),
            review_due_on=date.today() + timedelta(days=365),
        )
        await self.publish(event, district)

    async def exit(self, district: str, member_id: uuid.UUID) -> None:
        event = aev.HardshipWorkerExited(
            record_id=uuid.uuid4(),
            member_id=member_id,
            district=district,
            reason=aev.HardshipExitReason.CIRCUMSTANCES_IMPROVED,
            exited_on=date.today(),
        )
        await self.publish(event, district)


@dataclass
class CampaignsFeed:
    """Publishes a campaign's launch the way campaigns' relay does: `CampaignLaunched` on the
    owner district's topic (the federation's for a federation campaign), then its audience in
    `AudienceTargeted` chunks of at most 1,000 on each district's topic, keyed by the campaign.
    `sent` keeps every (topic, envelope), so a test can publish the same records again."""

    producer: AIOKafkaProducer
    sent: list[tuple[str, Envelope]] = field(default_factory=list)

    async def publish(self, event: Event, district: str | None, topic_district: str | None) -> Envelope:
        envelope = Envelope.wrap(event, source="/unionfed/campaigns", district=district, sequence=1)
        topic = topics.events_topic("campaigns", topic_district)
        await self.send(topic, envelope)
        return envelope

    async def send(self, topic: str, envelope: Envelope) -> None:
        await self.producer.send(topic, envelope.data, key=envelope.key, headers=envelope.headers())
        self.sent.append((topic, envelope))

    async def launch_with_audience(
        self,
        owner: str | None,
        audience: dict[str, list[uuid.UUID]],
        title: str = "夏送清凉",
        chunk_size: int = 1000,
    ) -> uuid.UUID:
        """Launch a campaign of `owner` (None: the federation's) for `audience` (member ids by
        district); returns its id once every record is acknowledged by the broker."""
        campaign_id = uuid.uuid4()
        today = date.today()
        launch = cev.CampaignLaunched(
            campaign_id=campaign_id,
            kind=cev.CampaignKind.SUMMER_COOLING,
            title=title,
            districts=[owner] if owner else [],
            industries=[],
            starts_on=today,
            ends_on=today + timedelta(days=30),
            audience_size=sum(len(ids) for ids in audience.values()),
        )
        await self.publish(launch, owner, owner)
        await self.producer.flush()  # the launch is in the log before its first chunk
        for district, ids in audience.items():
            chunks = [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)] or [[]]
            for number, chunk in enumerate(chunks, start=1):
                event = cev.AudienceTargeted(
                    campaign_id=campaign_id,
                    district=district,
                    chunk=number,
                    chunks=len(chunks),
                    member_ids=chunk,
                )
                await self.publish(event, district, district)
        await self.producer.flush()
        return campaign_id

    async def republish(self) -> None:
        """Publish every record sent so far again, same envelopes (a forced redelivery)."""
        for topic, envelope in list(self.sent):
            await self.producer.send(topic, envelope.data, key=envelope.key, headers=envelope.headers())
        await self.producer.flush()


@dataclass
class DomainFeed:
    """Publishes any event of one service (`domain`: assistance, campaigns, membership) the way
    its relay does: its district's topic (the federation topic without one), its source. Returns
    the envelope, so a test can deliver the very same one again (`resend`)."""

    producer: AIOKafkaProducer
    domain: str

    async def publish(self, event: Event, district: str | None, sequence: int | None = None) -> Envelope:
        envelope = Envelope.wrap(
            event, source=f"/unionfed/{self.domain}", district=district, sequence=sequence
        )
        await self.resend(envelope)
        return envelope

    async def resend(self, envelope: Envelope) -> None:
        """The same envelope again, as a redelivery or a relay's retry would."""
        await self.producer.send_and_wait(
            topics.events_topic(self.domain, envelope.district),
            envelope.data,
            key=envelope.key,
            headers=envelope.headers(),
        )
