"""Routes of payment batches: gathering granted aid for finance, the file finance imports, and
finance's confirmations. Batches hold members' names and card numbers, so a batch's detail and
file are for its district's officers and the federation; branch officers see the list only."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body
from fastapi.responses import Response
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.routes import DistrictFilter, PageNo, PageSize

from assistance import commands as cmds
from assistance.adapters import payments_store as store
from assistance.domain import payment_file
from assistance.domain.payments import Confirmation, PaymentOutcome
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import district_scope, page_of
from assistance.entrypoints.http.access import READ, WRITE, Allow
from assistance.handlers import payments as handlers

PaymentsReader = Annotated[Principal, Allow("payments", READ)]
PaymentsWriter = Annotated[Principal, Allow("payments", WRITE)]
Confirmations = Annotated[
    list[s.PaymentConfirmationIn],
    Body(min_length=1, max_length=10_000, description="One entry per payment finance settled"),
]

router = APIRouter(tags=["payments"])


async def _detail(uow: Any, batch_id: UUID) -> dict[str, Any]:
    batch = await store.batch_public(uow.session, batch_id)
    return {**batch._mapping, "payments": await store.batch_items(uow.session, batch_id)}


@router.post("/payment-batches", status_code=201, response_model=s.PaymentBatchDetail)
async def create_batch(body: s.PaymentBatchCreate, uow: UowDep, principal: PaymentsWriter) -> Any:
    """Gather every granted, unpaid aid case of the district (failed payments included) into a new
    batch for finance; 422 naming `district` when there is nothing to pay."""
    batch_id = await handlers.create_batch(uow, cmds.CreatePaymentBatch(body.district), principal.check)
    await uow.commit()
    return await _detail(uow, batch_id)


@router.get("/payment-batches", response_model=s.Page[s.PaymentBatchPublic])
async def list_batches(
    uow: UowDep,
    principal: PaymentsReader,
    district: DistrictFilter = None,
    status: Literal["open", "settled"] | None = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Batches of the caller's district (all for the federation), newest first."""
    district = district_scope(principal, district)
    result = await store.list_batches(uow.session, page, page_size, district=district, status=status)
    return page_of(result, s.PaymentBatchPublic, page, page_size)


@router.get("/payment-batches/{batch_id}", response_model=s.PaymentBatchDetail)
async def get_batch(batch_id: UUID, uow: UowDep, principal: PaymentsReader) -> Any:
    """One batch with each payment's status."""
    await handlers.batch_in_scope(uow, batch_id, principal.check)
    return await _detail(uow, batch_id)


@router.get(
    "/payment-batches/{batch_id}/file",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The payment file"}},
)
async def batch_file(batch_id: UUID, uow: UowDep, principal: PaymentsReader) -> Response:
    """The batch as a CSV file finance imports (UTF-8 with BOM, last line a sha256 checksum)."""
    await handlers.batch_in_scope(uow, batch_id, principal.check)
    content = payment_file.render(await store.file_lines(uow.session, batch_id))
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payment-batch-{batch_id}.csv"'},
    )


@router.post("/payment-batches/{batch_id}/confirmations", response_model=s.PaymentBatchDetail)
async def confirm(batch_id: UUID, body: Confirmations, uow: UowDep, principal: PaymentsWriter) -> Any:
    """Record finance's outcome per payment, all or none. Paid: the reservation becomes spending
    and AidDisbursed is published; failed: the amount stays reserved and the case goes into the
    next batch. Repeating a recorded outcome changes nothing; contradicting it is a 422."""
    confirmations = tuple(
        Confirmation(c.case_id, PaymentOutcome(c.outcome), c.reference, c.reason, c.paid_on) for c in body
    )
    await handlers.confirm_payments(uow, cmds.ConfirmPayments(batch_id, confirmations), principal.check)
    await uow.commit()
    return await _detail(uow, batch_id)
