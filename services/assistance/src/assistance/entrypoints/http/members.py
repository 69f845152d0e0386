"""Routes of the service's member view (built from membership's events)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.inputs import ShortText
from unionfed_chassis.routes import BranchFilter, DistrictFilter, PageNo, PageSize, TextFilter, scoped

from assistance.adapters import queries
from assistance.entrypoints import schemas as s
from assistance.entrypoints.http._common import district_scope, in_scope, page_of
from assistance.entrypoints.http.access import READ, Allow

MembersReader = Annotated[Principal, Allow("members", READ)]

router = APIRouter(tags=["members"])


@router.get("/members", response_model=s.Page[s.MemberPublic])
async def list_members(
    uow: UowDep,
    principal: MembersReader,
    district: DistrictFilter = None,
    branch_id: BranchFilter = None,
    status: Annotated[ShortText | None, Query(description="active or left")] = None,
    card_number: TextFilter = None,
    q: Annotated[ShortText | None, Query(description="Part of the member's name")] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Members as this service knows them, within the caller's scope."""
    district, branch_id = scoped(principal, district, branch_id)
    result = await queries.list_members(
        uow.session,
        page,
        page_size,
        q=q,
        district=district,
        branch_id=branch_id,
        status=status,
        card_number=card_number,
    )
    return page_of(result, s.MemberPublic, page, page_size)


@router.get("/members/counts", response_model=list[s.MemberCount])
async def member_counts(uow: UowDep, principal: MembersReader, district: DistrictFilter = None) -> Any:
    """Members per district and status: compare with membership's to check the view."""
    district = district_scope(principal, district)
    return await queries.member_counts(uow.session, district)


@router.get("/members/{member_id}", response_model=s.MemberPublic)
async def get_member(member_id: UUID, uow: UowDep, principal: MembersReader) -> Any:
    """One member as this service knows them."""
    return in_scope(await queries.get_member(uow.session, member_id), f"member {member_id}", principal)
