"""The HTTP routes of a service's member view (see member_view): GET /members, /members/counts
and /members/{member_id}, the same in every service that keeps the view.

    router = member_view_router(orm.member_view, ACCESS.allow("members", READ))

The access dependency is a required argument (fail closed): the routes exist only behind the
service's own access table. The public model leaves out what audiences need but officers
browsing members do not (the birth year).

No `from __future__ import annotations` here: FastAPI resolves the routes' annotations at
runtime, and the access dependency (`Reader`) is local to the router's builder."""

from datetime import date
from typing import Annotated, Any
from uuid import UUID

import sqlalchemy as sa
from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import Principal, ScopeError
from .errors import NotFound
from .http import UowDep
from .inputs import ShortText
from .member_view import MemberViewTables
from .routes import BranchFilter, DistrictFilter, Page, PageNo, PageSize, Public, TextFilter, page_of, scoped


class MemberPublic(Public):
    member_id: UUID
    card_number: str | None
    name: str | None
    branch_id: str
    district: str
    industry: str | None
    employment_type: str | None
    status: str
    joined_on: date | None
    left_on: date | None


class MemberCount(Public):
    district: str
    status: str
    members: int


async def page_of_members(
    session: AsyncSession,
    members: sa.Table,
    page: int,
    size: int,
    *,
    q: str | None = None,
    **filters: Any,
) -> tuple[list[Any], int]:
    """One page of the view's members matching the filters (equality; `q`: part of the name)."""
    query = sa.select(*(members.c[name] for name in MemberPublic.model_fields))
    for name, value in filters.items():
        if value is not None:
            query = query.where(members.c[name] == value)
    if q:
        query = query.where(members.c.name.contains(q, autoescape=True))
    total = (await session.execute(sa.select(sa.func.count()).select_from(query.subquery()))).scalar_one()
    order = (members.c.district, members.c.branch_id, members.c.member_id)
    rows = (await session.execute(query.order_by(*order).limit(size).offset((page - 1) * size))).all()
    return list(rows), total


async def member_by_id(session: AsyncSession, members: sa.Table, member_id: UUID) -> Any:
    query = sa.select(members).where(members.c.member_id == member_id)
    return (await session.execute(query)).one_or_none()


async def counts_by_district(session: AsyncSession, members: sa.Table, district: str | None) -> list[Any]:
    """Members per district and status (of one district, or all)."""
    query = sa.select(members.c.district, members.c.status, sa.func.count().label("members")).group_by(
        members.c.district, members.c.status
    )
    if district is not None:
        query = query.where(members.c.district == district)
    return list((await session.execute(query.order_by(members.c.district, members.c.status))).all())


def _district_scope(principal: Principal, district: str | None) -> str | None:
    # Counts are per district: a branch officer sees their district's, like its district officer.
    if principal.is_federation_wide:
        return district
    if district is not None and district != principal.district:
        raise ScopeError(f"{principal.role} of {principal.district} cannot see another district")
    return principal.district


def member_view_router(tables: MemberViewTables, allow_members_read: Any) -> APIRouter:
    """The member view's routes over `tables`, each behind `allow_members_read` (the service's
    `ACCESS.allow("members", READ)`)."""
    members = tables.members
    Reader = Annotated[Principal, allow_members_read]
    router = APIRouter(tags=["members"])

    @router.get("/members", response_model=Page[MemberPublic])
    async def list_members(
        uow: UowDep,
        principal: Reader,
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
        items, total = await page_of_members(
            uow.session,
            members,
            page,
            page_size,
            q=q,
            district=district,
            branch_id=branch_id,
            status=status,
            card_number=card_number,
        )
        return page_of(items, total, MemberPublic, page, page_size)

    @router.get("/members/counts", response_model=list[MemberCount])
    async def member_counts(uow: UowDep, principal: Reader, district: DistrictFilter = None) -> Any:
        """Members per district and status: compare with membership's to check the view."""
        return await counts_by_district(uow.session, members, _district_scope(principal, district))

    @router.get("/members/{member_id}", response_model=MemberPublic)
    async def get_member(member_id: UUID, uow: UowDep, principal: Reader) -> Any:
        """One member as this service knows them."""
        row = await member_by_id(uow.session, members, member_id)
        if row is None:
            raise NotFound(f"member {member_id}")
        principal.check(row.district, row.branch_id)
        return row

    return router
