"""Payment batches and their payments in the database: gathering the payable cases under lock,
recording batches and confirmations, and the reads the API and the payment file need."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from assistance.adapters.orm import cases, members, payment_batches, payments
from assistance.adapters.queries import Page, page_of, yuan
from assistance.domain.case import CaseStatus
from assistance.domain.payment_file import PaymentLine
from assistance.domain.payments import PaymentStatus, RecordedPayment

_LIVE = (PaymentStatus.PENDING.value, PaymentStatus.PAID.value)


def _payable(district: str) -> sa.ColumnElement[bool]:
    """Granted money aid of the district, not flagged, that no batch may still pay (a case whose
    last payment failed is payable again)."""
    live = sa.select(sa.literal(1)).where(payments.c.case_id == cases.c.case_id, payments.c.status.in_(_LIVE))
    return sa.and_(
        cases.c.district == district,
        cases.c.status == CaseStatus.GRANTED.value,
        cases.c.flag.is_(None),
        cases.c.reserved_cents > 0,
        ~sa.exists(live),
    )


async def lock_payable(session: AsyncSession, district: str) -> list[tuple[UUID, int]]:
    """(case id, amount held) of every payable case, locked.

    Two statements on purpose. The first locks the candidates in case order (two batch creations
    queue on the same rows instead of deadlocking). A creation that waited there read `payments`
    with its snapshot from before the other one committed; the second statement, with a fresh
    snapshot (READ COMMITTED), sees that other batch's payments and drops the cases it took."""
    candidates = sa.select(cases.c.case_id).where(_payable(district)).order_by(cases.c.case_id)
    locked = list((await session.execute(candidates.with_for_update(of=cases))).scalars())
    if not locked:
        return []
    recheck = (
        sa.select(cases.c.case_id, cases.c.reserved_cents)
        .where(cases.c.case_id.in_(locked), _payable(district))
        .order_by(cases.c.case_id)
    )
    return [(row.case_id, row.reserved_cents) for row in await session.execute(recheck)]


async def add_batch(
    session: AsyncSession, batch_id: UUID, district: str, items: list[tuple[UUID, int]], created_by: str
) -> None:
    await session.execute(
        sa.insert(payment_batches).values(
            batch_id=batch_id,
            district=district,
            status="open",
            item_count=len(items),
            total_cents=sum(amount for _, amount in items),
            created_by=created_by,
        )
    )
    await session.execute(
        sa.insert(payments),
        [
            {
                "batch_id": batch_id,
                "case_id": case_id,
                "amount_cents": amount,
                "status": PaymentStatus.PENDING,
            }
            for case_id, amount in items
        ],
    )


async def batch(session: AsyncSession, batch_id: UUID, *, for_update: bool = False) -> Any:
    query = sa.select(payment_batches).where(payment_batches.c.batch_id == batch_id)
    return (await session.execute(query.with_for_update() if for_update else query)).one_or_none()


async def recorded_payments(session: AsyncSession, batch_id: UUID) -> dict[UUID, RecordedPayment]:
    query = sa.select(payments.c.case_id, payments.c.status, payments.c.reference).where(
        payments.c.batch_id == batch_id
    )
    return {
        row.case_id: RecordedPayment(PaymentStatus(row.status), row.reference)
        for row in await session.execute(query)
    }


async def settle(
    session: AsyncSession,
    batch_id: UUID,
    case_id: UUID,
    status: PaymentStatus,
    *,
    reference: str | None,
    failure_reason: str | None,
    paid_on: date | None,
) -> None:
    await session.execute(
        sa.update(payments)
        .where(payments.c.batch_id == batch_id, payments.c.case_id == case_id)
        .values(
            status=status.value,
            reference=reference,
            failure_reason=failure_reason,
            paid_on=paid_on,
            settled_at=sa.func.now(),
        )
    )


async def settle_batch_if_done(session: AsyncSession, batch_id: UUID) -> None:
    """The batch is settled once no payment of it waits for finance."""
    pending = sa.select(sa.literal(1)).where(
        payments.c.batch_id == batch_id, payments.c.status == PaymentStatus.PENDING.value
    )
    await session.execute(
        sa.update(payment_batches)
        .where(
            payment_batches.c.batch_id == batch_id, payment_batches.c.status == "open", ~sa.exists(pending)
        )
        .values(status="settled", updated_at=sa.func.now())
    )


BATCH_COLUMNS = [
    *(c for c in payment_batches.c if c.name != "total_cents"),
    yuan(payment_batches.c.total_cents, "total_yuan"),
]


async def list_batches(session: AsyncSession, page: int, size: int, **filters: Any) -> Page:
    query = sa.select(*BATCH_COLUMNS)
    for name, value in filters.items():
        if value is not None:
            query = query.where(payment_batches.c[name] == value)
    order = [payment_batches.c.created_at.desc(), payment_batches.c.batch_id]
    return await page_of(session, query, order, page, size)


async def batch_public(session: AsyncSession, batch_id: UUID) -> Any:
    query = sa.select(*BATCH_COLUMNS).where(payment_batches.c.batch_id == batch_id)
    return (await session.execute(query)).one_or_none()


async def batch_items(session: AsyncSession, batch_id: UUID) -> list[Any]:
    query = (
        sa.select(
            payments.c.case_id,
            cases.c.member_id,
            cases.c.branch_id,
            yuan(payments.c.amount_cents, "amount_yuan"),
            payments.c.status,
            payments.c.reference,
            payments.c.failure_reason,
            payments.c.paid_on,
            payments.c.settled_at,
        )
        .join(cases, cases.c.case_id == payments.c.case_id)
        .where(payments.c.batch_id == batch_id)
        .order_by(payments.c.case_id)
    )
    return list((await session.execute(query)).all())


async def file_lines(session: AsyncSession, batch_id: UUID) -> list[PaymentLine]:
    """The payment file's rows: who gets what, with card number and name from the member view."""
    query = (
        sa.select(
            payments.c.case_id,
            payments.c.amount_cents,
            members.c.card_number,
            members.c.name,
            cases.c.district,
            cases.c.branch_id,
        )
        .join(cases, cases.c.case_id == payments.c.case_id)
        .outerjoin(members, members.c.member_id == cases.c.member_id)
        .where(payments.c.batch_id == batch_id)
        .order_by(payments.c.case_id)
    )
    return [
        PaymentLine(batch_id, r.case_id, r.card_number, r.name, r.amount_cents, r.district, r.branch_id)
        for r in await session.execute(query)
    ]
