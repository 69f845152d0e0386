"""A member's life after joining: transfers (also across districts), leaving, reinstating,
contact updates, branch closure with members moved; history and coverage numbers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from membership_testkit import (
    Service,
    assert_cloudevent,
    assert_no_personal_data,
    new_district,
    person_id,
    phone,
)

EAST = new_district("east")
WEST = new_district("west")


@pytest.fixture(scope="module")
async def svc(membership_service: Any) -> AsyncIterator[Service]:
    async with membership_service([EAST, WEST]) as service:
        yield service


async def join(svc: Service, branch_id: str, n: int, employment_type: str = "regular") -> dict[str, Any]:
    body = {
        "branch_id": branch_id,
        "name": "陈静",
        "national_id": person_id(n),
        "phone": phone(n),
        "employer": "上海锦程物流有限公司",
        "employment_type": employment_type,
    }
    r = await svc.apply_and_verify(body)
    assert r.status_code == 200, r.text
    member_id = (await svc.application(r.json()["application_id"]))["member_id"]
    member = await svc.client.get(f"/members/{member_id}", headers=svc.admin)
    return dict(member.json())


async def test_transfer_across_districts_reaches_both_topics_in_order(svc: Service) -> None:
    east_branch = await svc.create_branch(EAST)
    west_branch = await svc.create_branch(WEST)
    member = await join(svc, east_branch, 1)
    mid = member["member_id"]
    body = {"to_branch_id": west_branch, "reason": "换工作"}
    # Across districts needs the federation: the east officer has no say over the west.
    refused = await svc.client.post(f"/members/{mid}/transfer", json=body, headers=svc.officer(EAST))
    assert refused.status_code == 403, refused.text
    r = await svc.client.post(f"/members/{mid}/transfer", json=body, headers=svc.admin)
    assert r.status_code == 200, r.text
    assert (r.json()["district"], r.json()["branch_id"], r.json()["version"]) == (WEST, west_branch, 2)
    copies = await svc.events.wait("MemberTransferred", count=2, member_id=mid)
    assert {c.topic.split(".")[2] for c in copies} == {EAST, WEST}
    assert copies[0].headers["ce_id"] == copies[1].headers["ce_id"]
    assert_cloudevent(copies[0], WEST)  # ce_district is the new district on both topics
    assert copies[0].data["from_district"] == EAST and copies[0].data["to_district"] == WEST
    (joined,) = svc.events.of("MemberJoined", member_id=mid)
    assert int(joined.headers["ce_sequence"]) < int(copies[0].headers["ce_sequence"]) == 2
    assert joined.key == copies[0].key  # same key: same partition as the member's other events
    # The east officer no longer sees the member; the west officer does.
    assert (await svc.client.get(f"/members/{mid}", headers=svc.officer(EAST))).status_code == 403
    assert (await svc.client.get(f"/members/{mid}", headers=svc.officer(WEST))).status_code == 200
    bad = await svc.client.post(
        f"/members/{mid}/transfer", json={"to_branch_id": "nowhere"}, headers=svc.admin
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "to_branch_id"]


async def test_leave_reinstate_and_contact_update(svc: Service) -> None:
    branch = await svc.create_branch(EAST)
    mid = (await join(svc, branch, 2))["member_id"]
    officer = svc.officer(EAST)
    r = await svc.client.patch(
        f"/members/{mid}/contact",
        json={"phone": "+86 137-0000-1111", "employer": "上海新锐餐饮管理有限公司"},
        headers=officer,
    )
    assert r.status_code == 200, r.text
    assert r.json()["phone_masked"] == "137****1111" and r.json()["employer"] == "上海新锐餐饮管理有限公司"
    (updated,) = await svc.events.wait("MemberContactUpdated", member_id=mid)
    assert updated.data["phone_masked"] == "137****1111"
    assert set(updated.data) == {
        "member_id",
        "branch_id",
        "district",
        "phone_masked",
        "employer",
        "employment_type",
        "email_masked",
    }
    bad = await svc.client.patch(f"/members/{mid}/contact", json={"phone": "12"}, headers=officer)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "phone"]

    r = await svc.client.post(
        f"/members/{mid}/leave", json={"reason": "retired", "note": "退休"}, headers=officer
    )
    assert r.status_code == 200 and r.json()["status"] == "left" and r.json()["leave_reason"] == "retired"
    (left,) = await svc.events.wait("MemberLeft", member_id=mid)
    assert left.data["reason"] == "retired"
    again = await svc.client.post(f"/members/{mid}/leave", json={"reason": "retired"}, headers=officer)
    assert again.status_code == 422

    r = await svc.client.post(f"/members/{mid}/reinstate", json={}, headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert len(await svc.events.wait("MemberReinstated", member_id=mid)) == 1
    sequences = [int(e.headers["ce_sequence"]) for e in svc.events.records if e.data.get("member_id") == mid]
    assert sequences == sorted(sequences) == [1, 2, 3, 4]

    history = await svc.client.get(f"/members/{mid}/history", headers=officer)
    assert [h["kind"] for h in history.json()] == ["joined", "contact_updated", "left", "reinstated"]
    assert history.json()[1]["details"] == {"fields": ["phone", "employer"]}
    assert_no_personal_data(svc.events.records, ["13700001111", person_id(2), phone(2)])


async def test_left_member_cannot_be_reinstated_once_they_rejoined_elsewhere(svc: Service) -> None:
    branch = await svc.create_branch(EAST)
    mid = (await join(svc, branch, 3))["member_id"]
    await svc.client.post(f"/members/{mid}/leave", json={"reason": "changed_job"}, headers=svc.admin)
    await join(svc, await svc.create_branch(WEST), 3)  # the same person joins again, elsewhere
    r = await svc.client.post(f"/members/{mid}/reinstate", json={}, headers=svc.admin)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "national_id"]


async def test_closing_a_branch_moves_its_members_and_pending_applications(svc: Service) -> None:
    closing = await svc.create_branch(EAST)
    target = await svc.create_branch(WEST)
    ids = [(await join(svc, closing, n))["member_id"] for n in (10, 11, 12)]
    pending_branch = await svc.create_branch(EAST, auto_approve=False)
    refused = await svc.client.post(
        f"/branches/{closing}/close", json={"reason": "企业注销"}, headers=svc.officer(EAST)
    )
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "move_members_to"]
    merge = {"reason": "企业注销", "move_members_to": target}
    # The receiving branch is in another district: the east officer alone cannot merge into it.
    foreign = await svc.client.post(f"/branches/{closing}/close", json=merge, headers=svc.officer(EAST))
    assert foreign.status_code == 403, foreign.text
    r = await svc.client.post(f"/branches/{closing}/close", json=merge, headers=svc.admin)
    assert r.status_code == 200, r.text
    assert r.json()["members_moved"] == 3 and r.json()["branch"]["status"] == "closed"
    assert r.json()["branch"]["merged_into"] == target
    (closed,) = await svc.events.wait("BranchClosed", branch_id=closing)
    assert closed.data["members_moved_to"] == target and closed.data["members_moved"] == 3
    for mid in ids:
        await svc.events.wait("MemberTransferred", count=2, member_id=mid)
    moved = await svc.client.get("/members", params={"branch_id": target}, headers=svc.admin)
    assert sorted(m["member_id"] for m in moved.json()["items"]) == sorted(ids)
    orphans = await svc.client.get("/members", params={"branch_id": closing}, headers=svc.admin)
    assert orphans.json()["total"] == 0
    r = await svc.client.post(
        "/applications",
        json={
            "branch_id": closing,
            "name": "刘洋",
            "national_id": person_id(13),
            "phone": phone(13),
            "employer": "某公司",
            "employment_type": "regular",
        },
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "branch_id"]
    # Pending applications move too; an empty branch closes without a target.
    await svc.client.post(
        "/applications",
        json={
            "branch_id": pending_branch,
            "name": "刘洋",
            "national_id": person_id(14),
            "phone": phone(14),
            "employer": "某公司",
            "employment_type": "regular",
        },
    )
    r = await svc.client.post(
        f"/branches/{pending_branch}/close",
        json={"reason": "合并", "move_members_to": target},
        headers=svc.admin,
    )
    assert r.status_code == 200 and r.json()["applications_moved"] == 1
    apps = await svc.client.get(
        "/applications", params={"branch_id": target, "status": "pending"}, headers=svc.admin
    )
    assert apps.json()["total"] == 1
    empty = await svc.create_branch(EAST)
    assert (
        await svc.client.post(f"/branches/{empty}/close", json={"reason": "合并"}, headers=svc.admin)
    ).status_code == 200


async def test_coverage_and_monthly_statistics(svc: Service) -> None:
    district = new_district("stats")
    await svc.create_district(district)
    a = await svc.create_branch(district, industry="construction")
    b = await svc.create_branch(district, industry="retail")
    for n, (branch, etype) in enumerate(
        [(a, "migrant"), (a, "migrant"), (a, "regular"), (b, "flexible")], 100
    ):
        await join(svc, branch, n, etype)
    leaver = (await join(svc, b, 104, "migrant"))["member_id"]
    await svc.client.post(f"/members/{leaver}/leave", json={"reason": "resigned"}, headers=svc.admin)

    r = await svc.client.get("/stats/coverage", headers=svc.officer(district))
    assert r.status_code == 200, r.text
    cov = r.json()
    assert cov["total_members"] == 4 and cov["migrant_members"] == 2 and cov["migrant_share"] == 0.5
    assert cov["by_district"] == [{"key": district, "label": f"{district}区", "members": 4}]
    assert cov["branches_per_district"] == {district: 2}
    assert [(x["branch_id"], x["members"]) for x in cov["by_branch"]] == [(a, 3), (b, 1)]
    assert {x["key"]: x["members"] for x in cov["by_industry"]} == {"construction": 3, "retail": 1}
    types = {x["key"]: (x["members"], x["label"]) for x in cov["by_employment_type"]}
    assert types == {"migrant": (2, "农民工"), "regular": (1, "正式职工"), "flexible": (1, "灵活就业")}
    assert (
        await svc.client.get("/stats/coverage", params={"district": EAST}, headers=svc.officer(district))
    ).status_code == 403
    everyone = (await svc.client.get("/stats/coverage", headers=svc.admin)).json()
    assert {x["key"] for x in everyone["by_district"]} >= {district, EAST, WEST}

    months = (
        await svc.client.get("/stats/monthly", params={"months": 3}, headers=svc.officer(district))
    ).json()
    assert len(months) == 3 and months[-1]["month"] == date.today().strftime("%Y-%m")
    assert (months[-1]["joins"], months[-1]["leaves"]) == (5, 1)
    assert (await svc.client.get("/stats/monthly")).status_code == 401


async def test_lists_paginate_and_filter(svc: Service) -> None:
    r = await svc.client.get(
        "/branches", params={"district": EAST, "page_size": 2, "page": 1}, headers=svc.admin
    )
    assert r.status_code == 200
    body = r.json()
    assert body["page_size"] == 2 and len(body["items"]) == 2 and body["total"] >= 5
    assert (await svc.client.get("/members", params={"page_size": 201}, headers=svc.admin)).status_code == 422
    r = await svc.client.get("/members", params={"status": "left"}, headers=svc.admin)
    assert {m["status"] for m in r.json()["items"]} == {"left"}
    assert all("national_id" not in m and m["national_id_masked"].count("*") == 10 for m in r.json()["items"])
