"""Kafka consumers: branch systems' registration requests on every district's inbound topic."""

from __future__ import annotations

import logging

from unionfed_chassis.consumer import Delivery, EventConsumer
from unionfed_chassis.context import Actor, acting_as
from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as ev
from unionfed_events import topics

from membership import commands as cmds
from membership import handlers
from membership.domain.national_id import NationalIdVault

log = logging.getLogger("membership.registrations")

REGISTRATIONS_GROUP = "membership-registrations"


def registration_consumer(vault: NationalIdVault, source: str) -> EventConsumer:
    """Answers each MemberRegistrationRequested on its district's replies topic. A request the
    domain refuses gets a `rejected` answer naming the field; it is not a dead letter."""

    async def on_requests(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            await _answer(uow, vault, delivery)

    return EventConsumer(
        REGISTRATIONS_GROUP,
        {ev.MemberRegistrationRequested: on_requests},
        pattern=topics.inbound_pattern("membership"),
        domain="membership",
        source=source,
    )


async def _answer(uow: UnitOfWork, vault: NationalIdVault, delivery: Delivery) -> None:
    request: ev.MemberRegistrationRequested = delivery.event
    district = topics.parse_district(delivery.record.topic)
    if district is None:  # the pattern only matches district topics; defensive
        return
    person = cmds.Person(
        request.name, request.national_id, request.phone, request.employer, request.employment_type.value
    )
    cmd = cmds.RegisterFromBranchSystem(
        district, request.request_id, request.branch_id, person, request.joined_on
    )
    # Audit: what this request changes was done by the branch system that sent it.
    with acting_as(branch_system(district, delivery.envelope.source)):
        answer = await handlers.register_from_branch_system(uow, cmd, vault, delivery.envelope)
        # Never the request itself in the log: it carries the full ID and phone number.
        log.info("registration %s from %s: %s", request.request_id, district, answer.outcome.value)
        uow.send_to(
            topics.district_replies("membership", district),
            answer,
            district=district,
            branch=request.branch_id if answer.outcome is not ev.RegistrationOutcome.REJECTED else None,
            caused_by=delivery.envelope,
        )


def branch_system(district: str, source: str) -> Actor:
    """The actor of a branch system's request: its CloudEvents source, qualified by the district
    whose inbound topic (ACL-restricted) it wrote to."""
    return Actor(f"{district}:{source}", "branch_system")
