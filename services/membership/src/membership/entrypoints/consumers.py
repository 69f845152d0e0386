"""Kafka consumers: branch systems' registration requests, each on its own system's inbound topic."""

from __future__ import annotations

import logging

from unionfed_chassis.consumer import Delivery, EventConsumer
from unionfed_chassis.context import Actor, acting_as
from unionfed_chassis.db import UnitOfWork
from unionfed_events import membership as ev
from unionfed_events import topics

from membership import commands as cmds
from membership import handlers
from membership.adapters.vault import NationalIdVault

log = logging.getLogger("membership.registrations")

REGISTRATIONS_GROUP = "membership-registrations"


def registration_consumer(vault: NationalIdVault, source: str) -> EventConsumer:
    """Answers each MemberRegistrationRequested on the replies topic of the system that sent it.
    Who sent it is the topic it came on (only that system may write there, by ACL), never a
    field of the request. A request the domain refuses, such as one for a branch the system is
    not registered for, gets a `rejected` answer naming the field; it is not a dead letter."""

    async def on_requests(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            await _answer(uow, vault, delivery)

    return EventConsumer(
        REGISTRATIONS_GROUP,
        {ev.MemberRegistrationRequested: on_requests},
        pattern=topics.system_inbound_pattern("membership"),
        domain="membership",
        source=source,
    )


async def _answer(uow: UnitOfWork, vault: NationalIdVault, delivery: Delivery) -> None:
    request: ev.MemberRegistrationRequested = delivery.event
    sender = topics.parse_system(delivery.record.topic)
    if sender is None:  # the pattern only matches branch-system topics; defensive
        return
    district, system_id = sender
    person = cmds.Person(
        request.name,
        request.national_id,
        request.phone,
        request.employer,
        request.employment_type.value,
        request.email,
    )
    cmd = cmds.RegisterFromBranchSystem(
        district, system_id, request.request_id, request.branch_id, person, request.joined_on
    )
    # Audit: what this request changes was done by the branch system whose topic it came on.
    with acting_as(branch_system(district, system_id)):
        answer = await handlers.register_from_branch_system(uow, cmd, vault, delivery.envelope)
        # Never the request itself in the log: it carries the full ID and phone number.
        log.info(
            "registration %s from %s/%s: %s", request.request_id, district, system_id, answer.outcome.value
        )
        uow.send_to(
            topics.system_replies("membership", district, system_id),
            answer,
            district=district,
            branch=request.branch_id if answer.outcome is not ev.RegistrationOutcome.REJECTED else None,
            caused_by=delivery.envelope,
        )


def branch_system(district: str, system_id: str) -> Actor:
    """The actor of a branch system's request: the registered system whose inbound topic (only
    it may write there, by ACL) the request came on, not the `source` the request claims."""
    return Actor(f"{district}:{system_id}", "branch_system")
