"""Loads and saves domain objects; the only module that writes SQL for the handlers.

Writers lock what they change (`for_update=True` → SELECT … FOR UPDATE) and joins take the
branch FOR SHARE, so a branch cannot close while members are being added to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from unionfed_chassis.context import Actor

from membership.adapters.orm import (
    applications,
    branches,
    card_serial_seq,
    districts,
    imports,
    member_history,
    members,
    registration_requests,
    verification_codes,
)
from membership.domain.model import (
    Application,
    ApplicationStatus,
    Branch,
    BranchKind,
    BranchStatus,
    District,
    EmploymentType,
    LeaveReason,
    Member,
    MemberStatus,
)


@dataclass(frozen=True)
class Secrets:
    """The stored forms of a person's ID, phone and e-mail (never the plain values), and their
    contact points sealed for the notifications service (None when there is neither)."""

    national_id_hash: str
    national_id_enc: bytes
    phone_enc: bytes | None
    email_enc: bytes | None = None
    contact_sealed: str | None = None


def branch_from_row(row: Any) -> Branch:
    return Branch(
        branch_id=row.branch_id,
        name=row.name,
        kind=BranchKind(row.kind),
        industry=row.industry,
        district=row.district,
        status=BranchStatus(row.status),
        auto_approve=row.auto_approve,
        established_on=row.established_on,
    )


def member_from_row(row: Any) -> Member:
    return Member(
        member_id=row.member_id,
        card_number=row.card_number,
        name=row.name,
        national_id_masked=row.national_id_masked,
        branch_id=row.branch_id,
        district=row.district,
        industry=row.industry,
        employer=row.employer,
        employment_type=EmploymentType(row.employment_type),
        phone_masked=row.phone_masked,
        status=MemberStatus(row.status),
        joined_on=row.joined_on,
        version=row.version,
        left_on=row.left_on,
        leave_reason=LeaveReason(row.leave_reason) if row.leave_reason else None,
        birth_year=row.birth_year,
        email_masked=row.email_masked,
        erased_on=row.erased_on,
    )


def application_from_row(row: Any) -> Application:
    return Application(
        application_id=row.application_id,
        branch_id=row.branch_id,
        name=row.name,
        national_id_masked=row.national_id_masked,
        phone_masked=row.phone_masked,
        employer=row.employer,
        employment_type=EmploymentType(row.employment_type),
        submitted_on=row.submitted_on,
        status=ApplicationStatus(row.status),
        decided_on=row.decided_on,
        reject_reason=row.reject_reason,
        duplicate_of=row.duplicate_of,
        duplicate_reason=row.duplicate_reason,
        email_masked=row.email_masked,
    )


def member_row(member: Member, secrets: Secrets, channel: str) -> dict[str, Any]:
    return {
        "member_id": member.member_id,
        "card_number": member.card_number,
        "name": member.name,
        "national_id_hash": secrets.national_id_hash,
        "national_id_enc": secrets.national_id_enc,
        "national_id_masked": member.national_id_masked,
        "phone_enc": secrets.phone_enc,
        "phone_masked": member.phone_masked,
        "email_enc": secrets.email_enc,
        "email_masked": member.email_masked,
        "employer": member.employer,
        "employment_type": member.employment_type.value,
        "birth_year": member.birth_year,
        "branch_id": member.branch_id,
        "district": member.district,
        "industry": member.industry,
        "status": member.status.value,
        "channel": channel,
        "joined_on": member.joined_on,
        "version": member.version,
    }


def history_row(member: Member, kind: str, on: date, **details: Any) -> dict[str, Any]:
    return {
        "member_id": member.member_id,
        "on_date": on,
        "kind": kind,
        "district": member.district,
        "branch_id": member.branch_id,
        "details": {k: v for k, v in details.items() if v is not None},
    }


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # districts and branches

    async def get_district(self, code: str) -> District | None:
        row = (await self.session.execute(sa.select(districts).where(districts.c.code == code))).first()
        return District(row.code, row.name) if row else None

    async def add_district(self, district: District) -> bool:
        result = await self.session.execute(
            pg_insert(districts)
            .values(code=district.code, name=district.name)
            .on_conflict_do_nothing()
            .returning(districts.c.code)
        )
        return result.first() is not None

    async def get_branch(self, branch_id: str, *, lock: str | None = None) -> Branch | None:
        query = sa.select(branches).where(branches.c.branch_id == branch_id)
        if lock == "update":
            query = query.with_for_update()
        elif lock == "share":
            query = query.with_for_update(read=True)
        row = (await self.session.execute(query)).first()
        return branch_from_row(row) if row else None

    async def branch_name_taken(self, name: str) -> bool:
        query = sa.select(sa.literal(1)).where(branches.c.name == name)
        return (await self.session.execute(query)).first() is not None

    async def add_branch(self, branch: Branch) -> None:
        await self.session.execute(
            sa.insert(branches).values(
                branch_id=branch.branch_id,
                name=branch.name,
                kind=branch.kind.value,
                industry=branch.industry,
                district=branch.district,
                status=branch.status.value,
                auto_approve=branch.auto_approve,
                established_on=branch.established_on,
            )
        )

    async def save_branch_closed(
        self, branch: Branch, on: date, reason: str, merged_into: str | None
    ) -> None:
        await self.session.execute(
            sa.update(branches)
            .where(branches.c.branch_id == branch.branch_id)
            .values(
                status=branch.status.value,
                closed_on=on,
                close_reason=reason,
                merged_into=merged_into,
                version=branches.c.version + 1,
            )
        )

    # members

    async def get_member(self, member_id: UUID, *, for_update: bool = False) -> Member | None:
        query = sa.select(members).where(members.c.member_id == member_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return member_from_row(row) if row else None

    async def member_hash(self, member_id: UUID) -> str:
        query = sa.select(members.c.national_id_hash).where(members.c.member_id == member_id)
        return str((await self.session.execute(query)).scalar_one())

    async def active_members_of(self, branch_id: str) -> list[Member]:
        query = (
            sa.select(members)
            .where(members.c.branch_id == branch_id, members.c.status.in_(("pending", "active")))
            .order_by(members.c.member_id)
            .with_for_update()
        )
        return [member_from_row(r) for r in (await self.session.execute(query))]

    async def active_cards(self, hashes: Sequence[str]) -> dict[str, str]:
        """national_id_hash -> card number, for those hashes that hold an active membership."""
        if not hashes:
            return {}
        query = sa.select(members.c.national_id_hash, members.c.card_number).where(
            members.c.national_id_hash == sa.any_(sa.cast(list(hashes), sa.ARRAY(sa.Text))),
            members.c.status.in_(("pending", "active")),
        )
        return {r.national_id_hash: r.card_number for r in await self.session.execute(query)}

    async def next_card_serials(self, n: int) -> list[int]:
        if n == 0:
            return []
        query = sa.select(card_serial_seq.next_value()).select_from(sa.func.generate_series(1, n))
        return list((await self.session.execute(query)).scalars())

    async def insert_member(self, member: Member, secrets: Secrets, channel: str) -> None:
        await self.session.execute(sa.insert(members).values(member_row(member, secrets, channel)))

    async def save_members(
        self, batch: list[Member], *, phone_enc: bytes | None = None, email_enc: bytes | None = None
    ) -> None:
        """Write back the mutable fields of loaded members (one executemany for many)."""
        if not batch:
            return
        fields = (
            "branch_id",
            "district",
            "industry",
            "employer",
            "employment_type",
            "phone_masked",
            "email_masked",
            "status",
            "left_on",
            "leave_reason",
            "version",
        )
        stmt = (
            sa.update(members)
            .where(members.c.member_id == sa.bindparam("b_member_id"))
            .values({f: sa.bindparam(f"b_{f}") for f in fields} | {"updated_at": sa.func.now()})
        )
        rows = [
            {
                "b_member_id": m.member_id,
                "b_branch_id": m.branch_id,
                "b_district": m.district,
                "b_industry": m.industry,
                "b_employer": m.employer,
                "b_employment_type": m.employment_type.value,
                "b_phone_masked": m.phone_masked,
                "b_email_masked": m.email_masked,
                "b_status": m.status.value,
                "b_left_on": m.left_on,
                "b_leave_reason": m.leave_reason.value if m.leave_reason else None,
                "b_version": m.version,
            }
            for m in batch
        ]
        await self.session.execute(stmt, rows)
        sealed = {k: v for k, v in (("phone_enc", phone_enc), ("email_enc", email_enc)) if v is not None}
        if sealed:
            (member,) = batch
            await self.session.execute(
                sa.update(members).where(members.c.member_id == member.member_id).values(**sealed)
            )

    async def contact_of(self, member_id: UUID) -> tuple[bytes | None, bytes | None]:
        """The member's sealed phone and e-mail (vault forms), for re-publishing contact points."""
        query = sa.select(members.c.phone_enc, members.c.email_enc).where(members.c.member_id == member_id)
        row = (await self.session.execute(query)).one()
        return row.phone_enc, row.email_enc

    async def active_members_after(
        self, after: UUID | None, limit: int
    ) -> list[tuple[Member, bytes | None, bytes | None]]:
        """Active members in id order, `limit` after `after`, each with their sealed phone and
        e-mail (re-publishing contact points)."""
        query = sa.select(members).where(members.c.status == "active")
        if after is not None:
            query = query.where(members.c.member_id > after)
        rows = await self.session.execute(query.order_by(members.c.member_id).limit(limit))
        return [(member_from_row(r), r.phone_enc, r.email_enc) for r in rows]

    async def save_erased(self, member: Member) -> None:
        """Destroy the personal data of an erased member (the domain already blanked its copy):
        the sealed ID, phone and e-mail, and the lookup hash (replaced by a value no ID hashes
        to); the person's applications go too (the one that led to the membership and those
        recorded as its duplicates), with their codes."""
        await self.save_members([member])
        await self.session.execute(
            sa.update(members)
            .where(members.c.member_id == member.member_id)
            .values(
                name=member.name,
                national_id_hash=f"erased:{member.member_id}",
                national_id_enc=None,
                national_id_masked=None,
                phone_enc=None,
                email_enc=None,
                birth_year=None,
                erased_on=member.erased_on,
            )
        )
        theirs = sa.or_(
            applications.c.member_id == member.member_id, applications.c.duplicate_of == member.member_id
        )
        applied = sa.select(applications.c.application_id).where(theirs)
        await self.session.execute(
            sa.delete(verification_codes).where(verification_codes.c.application_id.in_(applied))
        )
        await self.session.execute(sa.delete(applications).where(theirs))

    async def add_history(self, rows: Iterable[dict[str, Any]], actor: Actor) -> None:
        """History rows of a change, each recording who made it (audit)."""
        batch = [row | {"actor": actor.subject, "actor_role": actor.role} for row in rows]
        if batch:
            await self.session.execute(sa.insert(member_history), batch)

    # applications

    async def add_application(self, app: Application, district: str, secrets: Secrets) -> bool:
        """False when this is a person's second pending application not marked as a duplicate
        (partial unique index); nothing is inserted then."""
        result = await self.session.execute(
            pg_insert(applications)
            .values(
                application_id=app.application_id,
                branch_id=app.branch_id,
                district=district,
                name=app.name,
                national_id_hash=secrets.national_id_hash,
                national_id_enc=secrets.national_id_enc,
                national_id_masked=app.national_id_masked,
                phone_enc=secrets.phone_enc,
                phone_masked=app.phone_masked,
                email_enc=secrets.email_enc,
                email_masked=app.email_masked,
                employer=app.employer,
                employment_type=app.employment_type.value,
                submitted_on=app.submitted_on,
                status=app.status.value,
                decided_on=app.decided_on,
                member_id=None,
                duplicate_of=app.duplicate_of,
                duplicate_reason=app.duplicate_reason,
            )
            .on_conflict_do_nothing(
                index_elements=["national_id_hash"],
                index_where=sa.text("status = 'pending' AND duplicate_of IS NULL"),
            )
            .returning(applications.c.application_id)
        )
        return result.first() is not None

    async def get_application(self, application_id: UUID, *, for_update: bool = False) -> Any | None:
        query = sa.select(applications).where(applications.c.application_id == application_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).first()

    async def pending_application_id(self, nid_hash: str) -> UUID | None:
        """The person's pending application that is not itself a duplicate, if any."""
        query = sa.select(applications.c.application_id).where(
            applications.c.national_id_hash == nid_hash,
            applications.c.status == "pending",
            applications.c.duplicate_of.is_(None),
        )
        return (await self.session.execute(query)).scalar()

    async def active_member_id(self, nid_hash: str) -> tuple[UUID, str] | None:
        """(member id, card number) of the person's pending or active membership, if any."""
        query = sa.select(members.c.member_id, members.c.card_number).where(
            members.c.national_id_hash == nid_hash, members.c.status.in_(("pending", "active"))
        )
        row = (await self.session.execute(query)).first()
        return (row.member_id, row.card_number) if row else None

    async def pending_applications_of(self, branch_id: str) -> list[Any]:
        query = (
            sa.select(applications)
            .where(applications.c.branch_id == branch_id, applications.c.status == "pending")
            .with_for_update()
        )
        return list(await self.session.execute(query))

    async def save_application(
        self, app: Application, *, member_id: UUID | None = None, branch: Branch | None = None
    ) -> None:
        values: dict[str, Any] = {
            "status": app.status.value,
            "decided_on": app.decided_on,
            "reject_reason": app.reject_reason,
            "member_id": member_id,
            "duplicate_of": app.duplicate_of,
            "duplicate_reason": app.duplicate_reason,
        }
        if branch is not None:
            values |= {"branch_id": branch.branch_id, "district": branch.district}
        await self.session.execute(
            sa.update(applications)
            .where(applications.c.application_id == app.application_id)
            .values(**values)
        )

    # imports and branch-system requests

    async def claim_import(self, values: dict[str, Any]) -> bool:
        """Record an import; False when the same file was already imported into this branch."""
        result = await self.session.execute(
            pg_insert(imports).values(**values).on_conflict_do_nothing().returning(imports.c.import_id)
        )
        return result.first() is not None

    async def find_import(self, branch_id: str, file_sha256: str) -> Any | None:
        query = sa.select(imports).where(
            imports.c.branch_id == branch_id, imports.c.file_sha256 == file_sha256
        )
        return (await self.session.execute(query)).first()

    async def get_import(self, import_id: UUID) -> Any | None:
        query = sa.select(imports).where(imports.c.import_id == import_id)
        return (await self.session.execute(query)).first()

    async def finish_import(self, import_id: UUID, values: dict[str, Any]) -> None:
        await self.session.execute(
            sa.update(imports).where(imports.c.import_id == import_id).values(**values)
        )

    async def get_registration(self, system_id: str, branch_id: str, request_id: str) -> Any | None:
        query = sa.select(registration_requests).where(
            registration_requests.c.system_id == system_id,
            registration_requests.c.branch_id == branch_id,
            registration_requests.c.request_id == request_id,
        )
        return (await self.session.execute(query)).first()

    async def add_registration(self, values: dict[str, Any]) -> None:
        await self.session.execute(pg_insert(registration_requests).values(**values).on_conflict_do_nothing())
