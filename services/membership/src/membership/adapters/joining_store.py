"""Storage of what joining adds beside the members: one-time codes and branch systems."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from membership.adapters.orm import branch_system_branches, branch_systems, verification_codes
from membership.domain.branch_system import BranchSystem
from membership.domain.verification import VerificationCode


class VerificationCodes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, code: VerificationCode) -> None:
        await self.session.execute(
            sa.insert(verification_codes).values(
                application_id=code.application_id,
                code_hash=code.code_hash,
                expires_at=code.expires_at,
                attempts_left=code.attempts_left,
            )
        )

    async def get(self, application_id: UUID) -> VerificationCode | None:
        query = (
            sa.select(verification_codes)
            .where(verification_codes.c.application_id == application_id)
            .with_for_update()
        )
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        return VerificationCode(row.application_id, row.code_hash, row.expires_at, row.attempts_left)

    async def save_attempts(self, code: VerificationCode) -> None:
        await self.session.execute(
            sa.update(verification_codes)
            .where(verification_codes.c.application_id == code.application_id)
            .values(attempts_left=code.attempts_left)
        )

    async def used(self, code: VerificationCode) -> None:
        await self.session.execute(
            sa.delete(verification_codes).where(verification_codes.c.application_id == code.application_id)
        )


class BranchSystems:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, system: BranchSystem) -> bool:
        """False when the id is taken (the system is not changed then)."""
        result = await self.session.execute(
            pg_insert(branch_systems)
            .values(system_id=system.system_id, district=system.district, name=system.name)
            .on_conflict_do_nothing()
            .returning(branch_systems.c.system_id)
        )
        if result.first() is None:
            return False
        await self._insert_branches(system.system_id, system.branch_ids)
        return True

    async def get(self, system_id: str, *, for_update: bool = False) -> BranchSystem | None:
        query = sa.select(branch_systems).where(branch_systems.c.system_id == system_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        served = sa.select(branch_system_branches.c.branch_id).where(
            branch_system_branches.c.system_id == system_id
        )
        branch_ids = frozenset((await self.session.execute(served)).scalars())
        return BranchSystem(row.system_id, row.district, row.name, branch_ids)

    async def set_branches(self, system_id: str, branch_ids: Iterable[str]) -> None:
        await self.session.execute(
            sa.delete(branch_system_branches).where(branch_system_branches.c.system_id == system_id)
        )
        await self._insert_branches(system_id, branch_ids)

    async def list(self, district: str | None) -> list[BranchSystem]:
        served = sa.func.array_remove(sa.func.array_agg(branch_system_branches.c.branch_id), None)
        query = (
            sa.select(branch_systems.c.system_id, branch_systems.c.district, branch_systems.c.name, served)
            .outerjoin(branch_system_branches)
            .group_by(branch_systems.c.system_id)
            .order_by(branch_systems.c.system_id)
        )
        if district is not None:
            query = query.where(branch_systems.c.district == district)
        rows = await self.session.execute(query)
        return [BranchSystem(r[0], r[1], r[2], frozenset(r[3])) for r in rows]

    async def _insert_branches(self, system_id: str, branch_ids: Iterable[str]) -> None:
        rows = [{"system_id": system_id, "branch_id": b} for b in sorted(set(branch_ids))]
        if rows:
            await self.session.execute(sa.insert(branch_system_branches), rows)
