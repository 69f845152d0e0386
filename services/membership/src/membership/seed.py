"""Seed a demo federation through the service's own handlers: `python -m membership.seed [--members 3000]`.

Districts, branches (BranchEstablished) and members (bulk import per branch, MemberJoined with
channel `seed`) are written with their outbox rows; the running service's relay publishes them,
so every other service hears of the demo members like of any real join.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
import time
from collections import defaultdict
from collections.abc import Callable

import sqlalchemy as sa
from unionfed_chassis.db import UnitOfWork, make_engine, make_session_factory, run_migrations

from membership import commands as cmds
from membership import handlers
from membership.adapters.orm import districts
from membership.demo import DemoMember, demo_branches, demo_districts, demo_members
from membership.domain.enums import JoinChannel
from membership.settings import MIGRATIONS, MembershipSettings

HEADER = ["name", "national_id", "phone", "employer", "employment_type", "joined_on"]


def to_csv(people: list[DemoMember]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for p in people:
        writer.writerow([p.name, p.national_id, p.phone, p.employer, p.employment_type.value, p.joined_on])
    return out.getvalue().encode()


async def seed(
    settings: MembershipSettings, n_members: int, emit: Callable[[str], None] = print
) -> dict[str, int]:
    """Create the demo federation unless a district exists already; returns what was created."""
    if settings.run_migrations:
        await asyncio.to_thread(run_migrations, MIGRATIONS, settings.database_url)
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = make_session_factory(engine)
    vault = settings.vault()
    counts = {"districts": 0, "branches": 0, "members": 0, "failed": 0}
    try:
        async with sessions() as session:
            if (await session.execute(sa.select(sa.func.count()).select_from(districts))).scalar_one():
                emit("membership: already seeded (districts exist); nothing to do")
                return counts
        branches = demo_branches(settings.seed_random)
        async with sessions() as session:
            uow = UnitOfWork(session, source=settings.ce_source, domain="membership")
            for d in demo_districts():
                await handlers.create_district(
                    uow, cmds.CreateDistrict(d.code, d.name), handlers.federation_wide
                )
                counts["districts"] += 1
            for b in branches:
                await handlers.establish_branch(
                    uow,
                    cmds.EstablishBranch(
                        b.name, b.kind, b.industry, b.district, b.auto_approve, b.branch_id, b.established_on
                    ),
                    handlers.federation_wide,
                )
                counts["branches"] += 1
            await uow.commit()
        emit(f"membership: {counts['districts']} districts, {counts['branches']} branches")
        by_branch: dict[str, list[DemoMember]] = defaultdict(list)
        for m in demo_members(branches, n_members, settings.seed_random):
            by_branch[m.branch_id].append(m)
        started = time.perf_counter()
        for i, (branch_id, people) in enumerate(sorted(by_branch.items()), start=1):
            async with sessions() as session:
                uow = UnitOfWork(session, source=settings.ce_source, domain="membership")
                cmd = cmds.ImportMembers(branch_id, to_csv(people), "demo.csv", "seed", JoinChannel.SEED)
                result = await handlers.import_members(uow, cmd, vault, handlers.federation_wide)
                await uow.commit()
            counts["members"] += result.created
            counts["failed"] += result.failed
            emit(
                f"  [{i:>2}/{len(by_branch)}] {branch_id:<16} +{result.created:>4}  ({counts['members']} members)"
            )
        elapsed = time.perf_counter() - started
        emit(
            f"membership: seeded {counts['members']} members in {elapsed:.1f}s "
            f"({counts['failed']} rows refused); the outbox relay publishes their MemberJoined events"
        )
        return counts
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m membership.seed", description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=None, help="How many demo members (default 3000)")
    args = parser.parse_args(argv)
    settings = MembershipSettings()
    n = args.members if args.members is not None else settings.seed_members
    asyncio.run(seed(settings, n, lambda line: print(line, flush=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
