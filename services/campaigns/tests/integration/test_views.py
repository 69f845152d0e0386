"""The campaigns service's own views over the real broker and database: members from
membership's events (with the birth year and employment type audiences need) and the hardship
registry from assistance's events."""

from __future__ import annotations

import sqlalchemy as sa
from campaigns.adapters.orm import hardship_view, members
from campaigns_testkit import new_district
from unionfed_devstack.testing import wait_for
from unionfed_events import membership as mev


async def test_member_and_hardship_views_follow_the_events(campaigns_service) -> None:
    district = new_district()
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district, industry="logistics")
        courier = await svc.member(
            district,
            branch,
            industry="logistics",
            employment_type=mev.EmploymentType.FLEXIBLE,
            birth_year=1988,
        )
        async with svc.engine.connect() as conn:
            row = (await conn.execute(members.select().where(members.c.member_id == courier))).one()
        assert (row.district, row.branch_id, row.industry) == (district, branch, "logistics")
        assert (row.employment_type, row.birth_year, row.status) == ("flexible", 1988, "active")

        async def registered() -> bool | None:
            async with svc.engine.connect() as conn:
                return (
                    await conn.execute(
                        sa.select(hardship_view.c.registered).where(hardship_view.c.member_id == courier)
                    )
                ).scalar_one_or_none()

        await svc.hardship.register(district, branch, courier)
        assert await wait_for(registered) is True
        await svc.hardship.exit(district, courier)
        await wait_for(lambda: _is_false(registered))

        await svc.feed.leave(district, branch, courier)
        await svc.wait_member(courier, "left")


async def _is_false(check) -> bool:
    return (await check()) is False
