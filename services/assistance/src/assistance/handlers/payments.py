"""Payment batches for the finance office: gather a district's granted aid into a batch, then
record what finance confirms (paid: the reservation becomes spending; failed: it stays held)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from unionfed_chassis.access import Scope
from unionfed_chassis.db import UnitOfWork
from unionfed_chassis.errors import Conflict
from unionfed_events import assistance as ev
from unionfed_events.ids import uuid7

from assistance import commands as cmds
from assistance.adapters import funds
from assistance.adapters import payments_store as store
from assistance.adapters.repository import CaseRepository
from assistance.domain.errors import DomainError, NotFound
from assistance.domain.money import to_yuan
from assistance.domain.payments import Confirmation, PaymentOutcome, PaymentStatus, to_apply
from assistance.handlers._shared import acting, emit_for_case, now
from assistance.handlers.cases import fund_of

# Finance works in China's time, the service's clock in UTC: a payment date may be a day off
# either way of the server's date.
_DATE_SLACK = timedelta(days=1)


async def create_batch(uow: UnitOfWork, cmd: cmds.CreatePaymentBatch, scope: Scope) -> UUID:
    """A new batch of every payable case of the district (granted, not flagged, no payment
    pending or paid); 422 naming `district` when there is nothing to pay."""
    scope(cmd.district, None)
    items = await store.lock_payable(uow.session, cmd.district)
    if not items:
        raise DomainError(f"district {cmd.district} has no granted aid waiting for payment", field="district")
    batch_id = uuid7()
    try:
        async with uow.session.begin_nested():
            await store.add_batch(uow.session, batch_id, cmd.district, items, acting(uow).subject)
    except IntegrityError:
        # `payments_one_live_per_case`: the locks above should make this unreachable; if another
        # path ever batches a case meanwhile, the caller retries rather than getting a 500.
        raise Conflict(
            "another payment batch took some of these cases at the same time; create the batch again",
            field="district",
        ) from None
    return batch_id


async def _batch_in_scope(uow: UnitOfWork, batch_id: UUID, scope: Scope, *, for_update: bool) -> Any:
    batch = await store.batch(uow.session, batch_id, for_update=for_update)
    if batch is None:
        raise NotFound(f"payment batch {batch_id}")
    scope(batch.district, None)
    return batch


async def confirm_payments(uow: UnitOfWork, cmd: cmds.ConfirmPayments, scope: Scope) -> None:
    """Apply finance's confirmations, all or none: each is checked before any is applied."""
    # The batch's lock queues confirmations of one batch; cases are locked in case order after it.
    batch = await _batch_in_scope(uow, cmd.batch_id, scope, for_update=True)
    today = now().date()
    changes = to_apply(
        cmd.confirmations,
        await store.recorded_payments(uow.session, cmd.batch_id),
        earliest=batch.created_at.date() - _DATE_SLACK,
        latest=today + _DATE_SLACK,
    )
    for confirmation in changes:
        if confirmation.outcome is PaymentOutcome.PAID:
            await _paid(uow, cmd.batch_id, confirmation, today)
        else:
            await _failed(uow, cmd.batch_id, confirmation)
    await store.settle_batch_if_done(uow.session, cmd.batch_id)


async def _locked_case(uow: UnitOfWork, case_id: UUID) -> Any:
    case = await CaseRepository(uow.session).get(case_id, for_update=True)
    assert case is not None  # the payments table's foreign key
    return case


async def _paid(uow: UnitOfWork, batch_id: UUID, confirmation: Confirmation, today: date) -> None:
    case = await _locked_case(uow, confirmation.case_id)
    spent = case.disburse(now())
    await funds.spend(uow.session, fund_of(case), case.case_id, spent, acting(uow))
    await CaseRepository(uow.session).save(case)
    paid_on = confirmation.paid_on or today
    await store.settle(
        uow.session,
        batch_id,
        case.case_id,
        PaymentStatus.PAID,
        reference=confirmation.reference,
        failure_reason=None,
        paid_on=paid_on,
    )
    emit_for_case(
        uow,
        case,
        ev.AidDisbursed(
            case_id=case.case_id,
            member_id=case.member_id,
            district=case.district,
            amount_yuan=to_yuan(spent),
            disbursed_on=paid_on,
            channel=ev.DisbursementChannel.BANK_TRANSFER,
            batch_id=batch_id,
        ),
    )


async def _failed(uow: UnitOfWork, batch_id: UUID, confirmation: Confirmation) -> None:
    assert confirmation.reason is not None  # to_apply refuses a failure without one
    case = await _locked_case(uow, confirmation.case_id)
    case.payment_failed()
    await CaseRepository(uow.session).save(case)
    await store.settle(
        uow.session,
        batch_id,
        case.case_id,
        PaymentStatus.FAILED,
        reference=confirmation.reference,
        failure_reason=confirmation.reason,
        paid_on=None,
    )
    emit_for_case(
        uow,
        case,
        ev.AidPaymentFailed(
            case_id=case.case_id,
            member_id=case.member_id,
            district=case.district,
            batch_id=batch_id,
            reason=confirmation.reason,
        ),
    )


async def batch_in_scope(uow: UnitOfWork, batch_id: UUID, scope: Scope) -> Any:
    """The batch's row, 404 unless it exists, 403 unless the caller covers its district."""
    return await _batch_in_scope(uow, batch_id, scope, for_update=False)
