"""Deadlines of aid cases over the real database and broker: escalation one level at a time up
to one alert at the federation, the escalated case in the next level's queue, the loops of
several replicas (each its own connections) escalating each case once, and lapsed grants
expiring with their reservation released."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from assistance.handlers.deadlines import DeadlineWatch
from assistance_testkit import Assistance, new_district
from sqlalchemy.ext.asyncio import AsyncEngine
from unionfed_chassis.db import UnitOfWork, make_engine, make_session_factory
from unionfed_devstack.testing import wait_for

# About one second at a level: quick enough for a test, long enough to see each level in turn.
FAST = {"escalate_after_hours": 0.0003, "deadline_check_seconds": 0.2}


async def open_case(svc: Assistance, district: str, branch: str, amount: str = "800.00") -> str:
    member = await svc.member(district, branch)
    r = await svc.apply(member, "medical", amount, svc.branch_officer(district, branch))
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])


async def queue_ids(svc: Assistance, headers: dict[str, str]) -> set[str]:
    r = await svc.client.get("/queue", headers=headers)
    assert r.status_code == 200, r.text
    return {c["case_id"] for c in r.json()["items"]}


async def escalated_steps(svc: Assistance, case_ids: list[str]) -> dict[str, int]:
    query = sa.text(
        "SELECT case_id::text, count(*) FROM case_steps WHERE decision = 'escalated' "
        "AND case_id = ANY(CAST(:ids AS uuid[])) GROUP BY case_id"
    )
    async with svc.app.state.runtime.engine.connect() as conn:
        rows = (await conn.execute(query, {"ids": case_ids})).all()
    return {case_id: int(n) for case_id, n in rows}


def hops(svc: Assistance, case_id: str) -> list[tuple[str, str]]:
    return [
        (e.data["from_level"], e.data["to_level"]) for e in svc.events.of("AidCaseEscalated", case_id=case_id)
    ]


CLIMB = [("branch", "district"), ("district", "federation"), ("federation", "federation")]


async def test_a_waiting_case_climbs_one_level_at_a_time_then_alerts_the_federation_once(
    assistance_service,
) -> None:
    district = new_district()
    async with assistance_service([district], **FAST) as svc:
        branch = await svc.feed.branch(district)
        await svc.allocate(district, "medical", "5000.00")
        case_id = await open_case(svc, district, branch)

        events = await svc.events.wait("AidCaseEscalated", 3, case_id=case_id)
        assert all(e.headers["ce_actorrole"] == "service" for e in events)
        await asyncio.sleep(3)  # several rounds and escalation periods more: nothing new
        assert hops(svc, case_id) == CLIMB
        assert await escalated_steps(svc, [case_id]) == {case_id: 3}

        r = await svc.client.get(f"/cases/{case_id}", headers=svc.admin)
        case = r.json()
        assert case["status"] == "pending" and case["current_level"] == "federation"
        assert case["levels"] == ["branch", "district", "federation"]
        assert [s["level"] for s in case["trail"] if s["decision"] == "escalated"] == [
            "branch",
            "district",
            "federation",
        ]
        assert case_id in await queue_ids(svc, svc.admin)
        assert case_id not in await queue_ids(svc, svc.district_officer(district))
        assert case_id not in await queue_ids(svc, svc.branch_officer(district, branch))

        # The federation decides it; a decision ends the waiting, so no more alerts.
        assert (await svc.decide(case_id, "approve", svc.admin)).status_code == 200
        await asyncio.sleep(1.5)
        assert hops(svc, case_id) == CLIMB


async def test_an_escalated_case_waits_in_the_next_levels_queue_and_is_decided_there(
    assistance_service,
) -> None:
    district = new_district()
    async with assistance_service([district]) as svc:  # 72 hours: the loop itself escalates nothing
        branch = await svc.feed.branch(district)
        await svc.allocate(district, "medical", "5000.00")
        case_id = await open_case(svc, district, branch)
        watch: DeadlineWatch = svc.app.state.deadlines
        assert watch.escalate_after == timedelta(hours=72)

        early = await watch.run_round(datetime.now(UTC) + timedelta(hours=71))
        assert early.escalated == 0
        at = datetime.now(UTC) + timedelta(hours=73)
        assert (await watch.run_round(at)).escalated == 1
        assert (await watch.run_round(at)).escalated == 0  # it waits at the district from `at` on

        district_officer = svc.district_officer(district)
        assert case_id in await queue_ids(svc, district_officer)
        assert case_id not in await queue_ids(svc, svc.branch_officer(district, branch))
        (event,) = await svc.events.wait("AidCaseEscalated", case_id=case_id)
        assert (event.data["from_level"], event.data["to_level"]) == ("branch", "district")

        late = await svc.decide(case_id, "approve", svc.branch_officer(district, branch))
        assert late.status_code == 422 and "district level" in late.text
        r = await svc.decide(case_id, "approve", district_officer)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "granted" and r.json()["reserved_yuan"] == "800.00"


@contextlib.asynccontextmanager
async def other_replicas(svc: Assistance, count: int) -> AsyncIterator[None]:
    """The deadline loops of `count` more replicas: each with its own engine (own connections)
    on the service's database, as other processes would run them."""
    engines = [make_engine(svc.settings.database_url, 2) for _ in range(count)]

    def unit_of_work(engine: AsyncEngine) -> Any:
        factory = make_session_factory(engine)

        @contextlib.asynccontextmanager
        async def open_uow() -> AsyncIterator[UnitOfWork]:
            async with factory() as session:
                yield UnitOfWork(session, source=svc.settings.ce_source, domain="assistance")

        return open_uow

    loops = [
        asyncio.create_task(
            DeadlineWatch(
                unit_of_work(engine),
                escalate_after=timedelta(hours=FAST["escalate_after_hours"]),
                grant_expiry=timedelta(days=90),
                every_seconds=0.05,
                batch_size=2,
            ).run()
        )
        for engine in engines
    ]
    try:
        yield
    finally:
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        for engine in engines:
            await engine.dispose()


async def test_loops_of_several_replicas_escalate_each_case_once_per_level(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district], **FAST) as svc, other_replicas(svc, 3):
        branch = await svc.feed.branch(district)
        case_ids = [await open_case(svc, district, branch) for _ in range(6)]

        async def all_alerted() -> bool:
            steps = await escalated_steps(svc, case_ids)
            return len(steps) == len(case_ids) and min(steps.values()) >= 3

        await wait_for(all_alerted, timeout=60)
        await asyncio.sleep(3)
        assert await escalated_steps(svc, case_ids) == dict.fromkeys(case_ids, 3)
        for case_id in case_ids:
            await svc.events.wait("AidCaseEscalated", 3, case_id=case_id)
        await asyncio.sleep(1)
        assert {case_id: hops(svc, case_id) for case_id in case_ids} == dict.fromkeys(case_ids, CLIMB)


async def _put_in_pending_payment(svc: Assistance, district: str, case_id: str, cents: int) -> None:
    batch = uuid.uuid4()
    async with svc.app.state.runtime.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO payment_batches (batch_id, district, status, item_count, total_cents, created_by) "
                "VALUES (:b, :d, 'open', 1, :c, 'test')"
            ),
            {"b": batch, "d": district, "c": cents},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO payments (batch_id, case_id, amount_cents, status) "
                "VALUES (:b, CAST(:case AS uuid), :c, 'pending')"
            ),
            {"b": batch, "case": case_id, "c": cents},
        )


async def test_a_grant_unpaid_past_its_time_expires_and_releases_its_reservation(assistance_service) -> None:
    district = new_district()
    async with assistance_service([district], grant_expiry_days=90) as svc:
        branch = await svc.feed.branch(district)
        await svc.allocate(district, "medical", "5000.00")
        officer = svc.branch_officer(district, branch)
        lapsing = await open_case(svc, district, branch, "800.00")
        in_payment = await open_case(svc, district, branch, "300.00")
        for case_id in (lapsing, in_payment):
            assert (await svc.decide(case_id, "approve", officer)).status_code == 200
        await _put_in_pending_payment(svc, district, in_payment, 30000)
        watch: DeadlineWatch = svc.app.state.deadlines

        assert (await watch.run_round(datetime.now(UTC) + timedelta(days=89))).expired == 0
        at = datetime.now(UTC) + timedelta(days=91)
        assert (await watch.run_round(at)).expired == 1
        assert (await watch.run_round(at)).expired == 0

        async def status(case_id: str) -> str:
            r = await svc.client.get(f"/cases/{case_id}", headers=svc.admin)
            return str(r.json()["status"])

        assert await status(lapsing) == "cancelled"
        assert await status(in_payment) == "granted"  # finance holds its payment
        (cancelled,) = await svc.events.wait("AidCaseCancelled", case_id=lapsing)
        assert cancelled.data["reason"] == "expired" and cancelled.data["released_yuan"] == "800.00"
        assert cancelled.headers["ce_actorrole"] == "service"
        fund = await svc.fund(district, "medical")
        assert fund["reserved_yuan"] == Decimal("300.00")
        assert fund["available_yuan"] == Decimal("4700.00")
