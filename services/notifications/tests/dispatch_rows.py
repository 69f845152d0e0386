"""Rows the dispatcher works on, written straight into the service's database (planning is not
under test here): a member in the view, their sealed contact points, a content and its pending
notification rows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from notifications.adapters.orm import (
    contact_points,
    contents,
    delivery_attempts,
    members,
    notifications,
    preferences,
)
from notifications.domain.model import Category, Priority
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_chassis.contact_seal import ContactPoints, dev_public_key, seal

WELCOME = {"branch_name": "示例工会", "card_number": "T-000001"}


async def add_member(
    engine: AsyncEngine,
    district: str,
    name: str = "李四",
    email: str | None = None,
    phone: str | None = None,
    language: str | None = None,
) -> uuid.UUID:
    member_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            members.insert().values(
                member_id=member_id,
                name=name,
                branch_id=f"{district}-b1",
                district=district,
                status="active",
                version=1,
                card_number="T-000001",
            )
        )
        if email or phone:
            await conn.execute(
                contact_points.insert().values(
                    member_id=member_id,
                    district=district,
                    branch_id=f"{district}-b1",
                    key_id="dev-1",
                    sealed=seal(dev_public_key(), ContactPoints(phone=phone, email=email)),
                    has_phone=phone is not None,
                    has_email=email is not None,
                )
            )
        if language:
            await conn.execute(preferences.insert().values(recipient_id=str(member_id), language=language))
    return member_id


async def add_notification(
    engine: AsyncEngine,
    district: str,
    member_id: uuid.UUID,
    channel: str,
    *,
    due: datetime | None = None,
    template: str = "welcome",
    params: dict[str, Any] | None = None,
    priority: Priority = Priority.PERSONAL,
) -> uuid.UUID:
    """A welcome (by default) to `member_id` on `channel`, pending, due at `due` (now if None)."""
    content_id, caused_by, notification_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            contents.insert().values(
                content_id=content_id,
                caused_by=caused_by,
                caused_type="MemberJoined",
                template=template,
                category=Category.ACCOUNT.value,
                critical=False,
                district=district,
                params=WELCOME if params is None else params,
            )
        )
        row: dict[str, Any] = {
            "notification_id": notification_id,
            "content_id": content_id,
            "caused_by": caused_by,
            "recipient_kind": "member",
            "recipient_id": str(member_id),
            "channel": channel,
            "status": "pending",
            "priority": int(priority),
        }
        if due is not None:
            row["next_attempt_at"] = due
        await conn.execute(notifications.insert().values(**row))
    return notification_id


async def notification(engine: AsyncEngine, notification_id: uuid.UUID) -> Any:
    async with engine.connect() as conn:
        query = notifications.select().where(notifications.c.notification_id == notification_id)
        return (await conn.execute(query)).one()


async def attempts_of(engine: AsyncEngine, notification_id: uuid.UUID) -> list[Any]:
    async with engine.connect() as conn:
        query = (
            delivery_attempts.select()
            .where(delivery_attempts.c.notification_id == notification_id)
            .order_by(delivery_attempts.c.attempt_id)
        )
        return list((await conn.execute(query)).all())


async def count_attempts(engine: AsyncEngine, notification_ids: list[uuid.UUID]) -> int:
    async with engine.connect() as conn:
        query = sa.select(sa.func.count()).where(delivery_attempts.c.notification_id.in_(notification_ids))
        return int((await conn.execute(query)).scalar_one())
