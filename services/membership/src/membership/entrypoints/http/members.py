"""Routes of members: lists, one member and their history, transfers, leaving, reinstating, contact."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from unionfed_chassis.auth import Principal
from unionfed_chassis.http import UowDep
from unionfed_chassis.inputs import ShortText

from membership import commands as cmds
from membership import handlers
from membership.adapters import queries
from membership.domain.enums import EmploymentType, MemberStatus
from membership.entrypoints import schemas as s
from membership.entrypoints.http._common import (
    BranchFilter,
    DistrictFilter,
    PageNo,
    PageSize,
    TextFilter,
    VaultDep,
    in_scope,
    page_of,
    scoped,
)
from membership.entrypoints.http.access import READ, WRITE, Allow

MembersReader = Annotated[Principal, Allow("members", READ)]
MembersWriter = Annotated[Principal, Allow("members", WRITE)]
ErasureWriter = Annotated[Principal, Allow("erasures", WRITE)]
ContactPointsWriter = Annotated[Principal, Allow("contact_points", WRITE)]
REPUBLISH_BATCH = 500

router = APIRouter(tags=["members"])


@router.get("/members", response_model=s.Page[s.MemberPublic])
async def list_members(
    uow: UowDep,
    principal: MembersReader,
    district: DistrictFilter = None,
    branch_id: BranchFilter = None,
    status: MemberStatus | None = None,
    employment_type: EmploymentType | None = None,
    industry: TextFilter = None,
    card_number: TextFilter = None,
    q: Annotated[ShortText | None, Query(description="Part of the member's name")] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> Any:
    """Members with filters and pagination, within the caller's scope."""
    district, branch_id = scoped(principal, district, branch_id)
    result = await queries.list_members(
        uow.session,
        page,
        page_size,
        district=district,
        branch_id=branch_id,
        status=status,
        employment_type=employment_type,
        industry=industry,
        card_number=card_number,
        q=q,
    )
    return page_of(result, s.MemberPublic, page, page_size)


async def _visible_member(member_id: UUID, uow: Any, principal: Principal) -> Any:
    return in_scope(await queries.get_member(uow.session, member_id), f"member {member_id}", principal)


@router.get("/members/{member_id}", response_model=s.MemberPublic)
async def get_member(member_id: UUID, uow: UowDep, principal: MembersReader) -> Any:
    """One member (ID and phone masked)."""
    return await _visible_member(member_id, uow, principal)


@router.get("/members/{member_id}/history", response_model=list[s.HistoryEntry])
async def member_history(member_id: UUID, uow: UowDep, principal: MembersReader) -> Any:
    """What happened to the membership, oldest first."""
    await _visible_member(member_id, uow, principal)
    return await queries.member_history_of(uow.session, member_id)


@router.post("/members/{member_id}/transfer", response_model=s.MemberPublic)
async def transfer_member(
    member_id: UUID, body: s.TransferCreate, uow: UowDep, principal: MembersWriter, vault: VaultDep
) -> Any:
    """Move a member to another branch, possibly in another district (MemberTransferred to both)."""
    cmd = cmds.TransferMember(member_id, body.to_branch_id, body.reason, body.on)
    await handlers.transfer_member(uow, cmd, vault, principal.check)
    await uow.commit()
    return await queries.get_member(uow.session, member_id)


@router.post("/members/{member_id}/leave", response_model=s.MemberPublic)
async def member_leaves(member_id: UUID, body: s.LeaveCreate, uow: UowDep, principal: MembersWriter) -> Any:
    """Record that a member left the union (MemberLeft)."""
    await handlers.member_leaves(
        uow, cmds.MemberLeaves(member_id, body.reason, body.note, body.on), principal.check
    )
    await uow.commit()
    return await queries.get_member(uow.session, member_id)


@router.post("/members/{member_id}/reinstate", response_model=s.MemberPublic)
async def reinstate_member(
    member_id: UUID, body: s.ReinstateCreate, uow: UowDep, principal: MembersWriter, vault: VaultDep
) -> Any:
    """Restore a former member (MemberReinstated); refused if the person is a member again already."""
    await handlers.reinstate_member(
        uow, cmds.ReinstateMember(member_id, body.branch_id, body.on), vault, principal.check
    )
    await uow.commit()
    return await queries.get_member(uow.session, member_id)


@router.patch("/members/{member_id}/contact", response_model=s.MemberPublic)
async def update_contact(
    member_id: UUID, body: s.ContactUpdate, uow: UowDep, principal: MembersWriter, vault: VaultDep
) -> Any:
    """Change phone, e-mail, employer or employment type (MemberContactUpdated, masked)."""
    cmd = cmds.UpdateContact(member_id, body.phone, body.employer, body.employment_type, body.email)
    await handlers.update_contact(uow, cmd, vault, principal.check)
    await uow.commit()
    return await queries.get_member(uow.session, member_id)


@router.post("/contact-points/republish", response_model=s.RepublishPublic)
async def republish_contact_points(uow: UowDep, principal: ContactPointsWriter, vault: VaultDep) -> Any:
    """Seal every active member's contact points again with the current CONTACT_PUBLIC_KEY and
    publish them (after a key rotation), a transaction per batch of members; safe to repeat."""
    total, after, batches = 0, None, 0
    while True:
        staged, after = await handlers.republish_active_batch(uow, vault, after, REPUBLISH_BATCH)
        await uow.commit()
        total, batches = total + staged, batches + 1
        if after is None:
            return s.RepublishPublic(members=total, key_id=vault.contact_key.key_id, batches=batches)


@router.post("/members/{member_id}/erasure", response_model=s.MemberPublic)
async def erase_member(member_id: UUID, body: s.ErasureCreate, uow: UowDep, principal: ErasureWriter) -> Any:
    """Erase the member's personal data on request (PIPL): ends an active membership (MemberLeft,
    reason `erased`), then MemberErased; every service drops its copies, counts keep the member.
    Federation admins, or district officers of the member's district; a second erasure is a 422."""
    await handlers.erase_member(uow, cmds.EraseMember(member_id, body.reason), principal.check)
    await uow.commit()
    return await queries.get_member(uow.session, member_id)
