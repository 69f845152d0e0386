"""A client's retry with an Idempotency-Key is answered once; two verifications racing to make
one person a member twice end in one member, whatever the timing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from membership_testkit import Service, new_district, person_id, phone

DISTRICT = new_district("retry")


@pytest.fixture(scope="module")
async def svc(membership_service: Any) -> AsyncIterator[Service]:
    async with membership_service([DISTRICT]) as service:
        yield service


def application(branch_id: str, n: int) -> dict[str, str]:
    return {
        "branch_id": branch_id,
        "name": "刘洋",
        "national_id": person_id(n),
        "phone": phone(n),
        "employer": "上海宏远物流有限公司",
        "employment_type": "flexible",
    }


async def totals(svc: Service, branch_id: str) -> tuple[int, int]:
    """(applications, members) of a branch."""
    params = {"branch_id": branch_id, "page_size": 1}
    apps = await svc.client.get("/applications", params=params, headers=svc.admin)
    members = await svc.client.get("/members", params=params, headers=svc.admin)
    return apps.json()["total"], members.json()["total"]


async def test_same_idempotency_key_twice_gets_the_first_answer_and_joins_once(svc: Service) -> None:
    branch_id = await svc.create_branch(DISTRICT, auto_approve=True)
    key = {"Idempotency-Key": f"apply-{uuid.uuid4()}"}
    first = await svc.client.post("/applications", json=application(branch_id, 1), headers=key)
    again = await svc.client.post("/applications", json=application(branch_id, 1), headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and first.json()["status"] == "awaiting_verification"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await totals(svc, branch_id) == (1, 0)
    code = svc.codes.code_of(first.json()["application_id"])
    r = await svc.client.post(f"/applications/{first.json()['application_id']}/verify", json={"code": code})
    assert r.status_code == 200, r.text
    assert await totals(svc, branch_id) == (1, 1)


async def test_same_idempotency_key_with_another_body_is_refused(svc: Service) -> None:
    branch_id = await svc.create_branch(DISTRICT, auto_approve=True)
    key = {"Idempotency-Key": f"apply-{uuid.uuid4()}"}
    first = await svc.client.post("/applications", json=application(branch_id, 2), headers=key)
    assert first.status_code == 201, first.text
    other = await svc.client.post("/applications", json=application(branch_id, 3), headers=key)
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["body", "Idempotency-Key"]
    assert await totals(svc, branch_id) == (1, 0)


async def test_two_concurrent_verifications_of_one_person_make_one_member(svc: Service) -> None:
    branch_id = await svc.create_branch(DISTRICT, auto_approve=True)
    body = application(branch_id, 4)
    applied = [await svc.client.post("/applications", json=body) for _ in range(2)]
    ids = [r.json()["application_id"] for r in applied]
    # Both pass the "already a member?" read before either commits; the partial unique index
    # on active members' ID hashes is what turns the second into a duplicate for the officer.
    verified = await asyncio.gather(
        *(svc.client.post(f"/applications/{i}/verify", json={"code": svc.codes.code_of(i)}) for i in ids)
    )
    assert [r.status_code for r in verified] == [200, 200], [r.text for r in verified]
    assert verified[0].json().keys() == verified[1].json().keys()
    assert person_id(4) not in verified[0].text + verified[1].text
    seen = sorted([await svc.application(i) for i in ids], key=lambda a: a["status"])
    assert [a["status"] for a in seen] == ["approved", "pending"]
    assert seen[1]["duplicate_of"] == seen[0]["member_id"]
    assert await totals(svc, branch_id) == (2, 1)
    await svc.events.wait("MemberJoined", member_id=seen[0]["member_id"])
    assert len(svc.events.of("MemberJoined", branch_id=branch_id)) == 1
