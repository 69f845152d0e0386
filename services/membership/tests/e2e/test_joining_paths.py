"""Every joining path ends in a MemberJoined a plain Kafka consumer reads, with CloudEvents
headers; one person is an active member only once, whichever paths they try. (Branch systems:
test_branch_systems.py; the public join's oracle, codes and rate limits: test_public_join.py.)"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
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

DISTRICT = new_district("join")
OTHER = new_district("other")


@pytest.fixture(scope="module")
async def svc(membership_service: Any) -> AsyncIterator[Service]:
    async with membership_service([DISTRICT, OTHER]) as service:
        yield service


@pytest.fixture(scope="module")
async def branches(svc: Service) -> dict[str, str]:
    return {
        "auto": await svc.create_branch(DISTRICT, auto_approve=True),
        "manual": await svc.create_branch(DISTRICT, auto_approve=False),
        "other": await svc.create_branch(OTHER, auto_approve=True),
    }


def application(branch_id: str, n: int, **overrides: str) -> dict[str, str]:
    body = {
        "branch_id": branch_id,
        "name": "张伟",
        "national_id": person_id(n),
        "phone": phone(n),
        "employer": "上海恒通物流有限公司",
        "employment_type": "migrant",
    }
    return body | overrides


async def test_self_service_auto_approved_ends_in_member_joined(
    svc: Service, branches: dict[str, str]
) -> None:
    r = await svc.apply_and_verify(application(branches["auto"], 1))
    assert r.status_code == 200, r.text
    seen_by_officer = await svc.application(r.json()["application_id"])
    assert seen_by_officer["status"] == "approved" and seen_by_officer["duplicate_of"] is None
    (joined,) = await svc.events.wait("MemberJoined", member_id=seen_by_officer["member_id"])
    assert_cloudevent(joined, DISTRICT)
    assert joined.headers["ce_type"] == "org.unionfed.membership.MemberJoined.v1"
    assert joined.headers["ce_sequence"] == "1"
    assert joined.data["channel"] == "self_service"
    assert joined.data["national_id_masked"] == person_id(1)[:4] + "*" * 10 + person_id(1)[-4:]
    assert_no_personal_data(svc.events.records, [person_id(1), phone(1)])


async def test_officer_approves_a_pending_application(svc: Service, branches: dict[str, str]) -> None:
    r = await svc.client.post("/applications", json=application(branches["manual"], 2))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending" and r.json()["code_sent_to"] is None
    app_id = r.json()["application_id"]
    listed = await svc.client.get(
        f"/applications?status=pending&branch_id={branches['manual']}", headers=svc.officer(DISTRICT)
    )
    assert [a["application_id"] for a in listed.json()["items"]] == [app_id]
    assert listed.json()["items"][0]["national_id_masked"].count("*") == 10
    forbidden = await svc.client.post(f"/applications/{app_id}/approve", headers=svc.officer(OTHER))
    assert forbidden.status_code == 403
    r = await svc.client.post(f"/applications/{app_id}/approve", headers=svc.officer(DISTRICT))
    assert r.status_code == 200, r.text
    member = r.json()
    assert member["status"] == "active" and member["phone_masked"] == phone(2)[:3] + "****" + phone(2)[-4:]
    (joined,) = await svc.events.wait("MemberJoined", member_id=member["member_id"])
    assert_cloudevent(joined, DISTRICT)
    again = await svc.client.post(f"/applications/{app_id}/approve", headers=svc.officer(DISTRICT))
    assert again.status_code == 422


async def test_officer_rejects_an_application_with_a_reason(svc: Service, branches: dict[str, str]) -> None:
    r = await svc.client.post("/applications", json=application(branches["manual"], 3))
    app_id = r.json()["application_id"]
    r = await svc.client.post(
        f"/applications/{app_id}/reject", json={"reason": "不在本单位工作"}, headers=svc.officer(DISTRICT)
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    (rejected,) = await svc.events.wait("MemberApplicationRejected", application_id=app_id)
    assert rejected.data["reason"] == "不在本单位工作"


async def test_duplicate_national_id_recorded_for_the_officer_refused_on_officer_paths(
    svc: Service, branches: dict[str, str]
) -> None:
    # Person 1 joined by self-service in the first test. The public answer is the one anybody
    # gets; the officer sees the application as a duplicate of that member.
    r = await svc.client.post("/applications", json=application(branches["manual"], 1))
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"application_id", "branch_id", "status", "code_sent_to"}
    assert r.json()["status"] == "pending"
    seen = await svc.application(r.json()["application_id"])
    masked = person_id(1)[:4] + "*" * 10 + person_id(1)[-4:]
    (joined,) = svc.events.of("MemberJoined", national_id_masked=masked)
    assert seen["duplicate_of"] == joined.data["member_id"]
    assert "already an active member" in seen["duplicate_reason"]

    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["name", "national_id", "phone", "employer", "employment_type"],
            ["张伟", person_id(1), phone(1), "上海恒通物流有限公司", "migrant"],
        ]
    )
    r = await svc.client.post(
        f"/branches/{branches['auto']}/imports",
        headers=svc.officer(DISTRICT),
        files={"file": ("dup.csv", out.getvalue().encode(), "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 0
    assert r.json()["errors"][0]["field"] == "national_id"
    assert "already an active member (card ending" in r.json()["errors"][0]["reason"]


async def test_invalid_input_is_a_422_naming_the_field(svc: Service, branches: dict[str, str]) -> None:
    bad = person_id(7)[:-1] + ("0" if person_id(7)[-1] != "0" else "1")
    r = await svc.client.post("/applications", json=application(branches["auto"], 7, national_id=bad))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "national_id"]
    assert "checksum" in r.json()["detail"][0]["msg"] and bad not in r.text
    r = await svc.client.post("/applications", json=application("no-such-branch", 7))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "branch_id"]
    r = await svc.client.post("/applications", json=application(branches["auto"], 7, phone="12345"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "phone"]
    r = await svc.client.post("/applications", json=application(branches["auto"], 7, employment_type="boss"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "employment_type"]
    members = await svc.client.get("/members", params={"q": "张伟", "page_size": 200}, headers=svc.admin)
    assert person_id(7)[-4:] not in {m["national_id_masked"][-4:] for m in members.json()["items"]}


async def test_scopes_no_token_other_district_and_own_district(
    svc: Service, branches: dict[str, str]
) -> None:
    assert (await svc.client.get("/members")).status_code == 401
    assert (
        await svc.client.get("/members", params={"district": DISTRICT}, headers=svc.officer(OTHER))
    ).status_code == 403
    own = await svc.client.get("/members", headers=svc.officer(OTHER))
    assert own.status_code == 200 and {m["district"] for m in own.json()["items"]} <= {OTHER}
    member_id = (await svc.client.get("/members", headers=svc.officer(DISTRICT))).json()["items"][0][
        "member_id"
    ]
    assert (await svc.client.get(f"/members/{member_id}", headers=svc.officer(OTHER))).status_code == 403
    r = await svc.client.post(
        f"/members/{member_id}/leave", json={"reason": "resigned"}, headers=svc.officer(OTHER)
    )
    assert r.status_code == 403
    r = await svc.client.post(
        f"/branches/{branches['auto']}/imports",
        headers=svc.officer(OTHER),
        files={"file": ("x.csv", b"name\n", "text/csv")},
    )
    assert r.status_code == 403
    assert (await svc.client.get(f"/members/{member_id}", headers=svc.officer(DISTRICT))).status_code == 200
    assert (await svc.client.get(f"/members/{uuid.uuid4()}", headers=svc.admin)).status_code == 404


def person(n: int, **overrides: str) -> dict[str, str]:
    return {k: v for k, v in application("", n, **overrides).items() if k != "branch_id"}


async def test_officer_registers_a_member_directly(svc: Service, branches: dict[str, str]) -> None:
    branch_officer = svc.token("branch_officer", district=DISTRICT, branch=branches["manual"])
    r = await svc.client.post(
        f"/branches/{branches['manual']}/members",
        json=person(20) | {"joined_on": "2025-09-01"},
        headers=branch_officer,
    )
    assert r.status_code == 201, r.text
    member = r.json()
    assert (member["status"], member["channel"], member["joined_on"]) == ("active", "officer", "2025-09-01")
    assert member["branch_id"] == branches["manual"] and member["card_number"].startswith("GH")
    assert member["national_id_masked"] == person_id(20)[:4] + "*" * 10 + person_id(20)[-4:]
    assert person_id(20) not in r.text and phone(20) not in r.text
    (joined,) = await svc.events.wait("MemberJoined", member_id=member["member_id"])
    assert_cloudevent(joined, DISTRICT)
    assert joined.data["channel"] == "officer"
    assert_no_personal_data(svc.events.records, [person_id(20), phone(20)])

    r = await svc.client.post(f"/branches/{branches['other']}/members", json=person(21), headers=svc.admin)
    assert r.status_code == 201 and r.json()["district"] == OTHER


async def test_officer_registration_refuses_duplicates_bad_input_and_other_units(
    svc: Service, branches: dict[str, str]
) -> None:
    url = f"/branches/{branches['auto']}/members"
    r = await svc.client.post(url, json=person(1), headers=svc.officer(DISTRICT))  # joined in the first test
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "national_id"]
    assert "already an active member" in r.json()["detail"][0]["msg"] and person_id(1) not in r.text
    r = await svc.client.post(url, json=person(22, phone="12345"), headers=svc.officer(DISTRICT))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "phone"]
    other_branch = svc.token("branch_officer", district=DISTRICT, branch=branches["manual"])
    for headers in (other_branch, svc.officer(OTHER), svc.token("operator")):
        assert (await svc.client.post(url, json=person(22), headers=headers)).status_code == 403
    assert (await svc.client.post(url, json=person(22))).status_code == 401
    r = await svc.client.post("/branches/no-such-branch/members", json=person(22), headers=svc.admin)
    assert r.status_code == 404
    members = await svc.client.get("/members", params={"branch_id": branches["auto"]}, headers=svc.admin)
    assert person_id(22)[-4:] not in {m["national_id_masked"][-4:] for m in members.json()["items"]}
