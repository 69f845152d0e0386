"""Helpers of the tests that reach other services through the console: an operator token with
every service in its audience (as the identity provider must issue it), and a parked outbox row
in a service's database (as its relay parks one the broker refused)."""

from __future__ import annotations

import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from unionfed_chassis.auth import audience_of, issue_token
from unionfed_chassis.tables import outbox_parked
from unionfed_events import Envelope, topics
from unionfed_events import membership as mev

# Membership's test kit: a real membership service to call (its AsyncAPI, its outbox).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "membership" / "tests"))
from membership_testkit import start_service as start_membership

__all__ = ["SERVICES", "operator_token", "park_a_row", "start_membership"]

SERVICES = ("console", "membership", "assistance", "campaigns", "notifications")


def operator_token(secret: str, audiences: tuple[str, ...]) -> dict[str, str]:
    """An operator token as the identity provider issues it: every service in `aud`."""
    token = issue_token(
        secret, role="operator", subject="op-1", audience=[audience_of(name) for name in audiences]
    )
    return {"Authorization": f"Bearer {token}"}


async def park_a_row(engine: Any, district: str) -> tuple[int, str]:
    """A BranchEstablished the broker refused (as the relay parks one), in membership's database."""
    event = mev.BranchEstablished(
        branch_id=f"{district}-parked",
        name="停放的分会",
        kind=mev.BranchKind.ENTERPRISE,
        industry="construction",
        district=district,
        established_on=date(2020, 1, 1),
    )
    envelope = Envelope.wrap(event, source="/unionfed/membership", district=district)
    headers = envelope.headers()
    row_id = 900_000_000 + uuid.uuid4().int % 1_000_000  # far above the outbox's own ids
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(outbox_parked).values(
                id=row_id,
                event_id=uuid.UUID(str(envelope.id)),
                topic=topics.district_events("membership", district),
                key=envelope.key,
                header_names=[name for name, _ in headers],
                header_values=[value for _, value in headers],
                payload=envelope.data,
                created_at=sa.func.now(),
                reason="MessageSizeTooLargeError: the broker refused it",
            )
        )
    return row_id, str(envelope.id)
