"""The public join is no membership oracle: a stranger typing someone's ID gets the answer anybody
gets, before and after the phone's code; officers see the real state. Codes prove the phone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from membership_testkit import Service, new_district, person_id, phone

DISTRICT = new_district("pub")
PERSON = 40_000


@pytest.fixture(scope="module")
async def svc(membership_service: Any) -> AsyncIterator[Service]:
    async with membership_service([DISTRICT], verification_code_attempts=3) as service:
        yield service


@pytest.fixture(scope="module")
async def branches(svc: Service) -> dict[str, str]:
    return {
        "auto": await svc.create_branch(DISTRICT, auto_approve=True),
        "manual": await svc.create_branch(DISTRICT, auto_approve=False),
    }


def application(branch_id: str, n: int, **overrides: str) -> dict[str, str]:
    return {
        "branch_id": branch_id,
        "name": "王芳",
        "national_id": person_id(PERSON + n),
        "phone": phone(PERSON + n),
        "employer": "上海远航物流有限公司",
        "employment_type": "migrant",
    } | overrides


def shape(response: Any) -> tuple[int, tuple[str, ...], str, str | None]:
    """What may differ between two public answers: nothing but ids."""
    body = response.json()
    return response.status_code, tuple(sorted(body)), body["status"], body.get("code_sent_to")


async def verify(svc: Service, application_id: str, code: str | None = None) -> Any:
    code = code or svc.codes.code_of(application_id)
    return await svc.client.post(f"/applications/{application_id}/verify", json={"code": code})


async def test_member_pending_applicant_and_newcomer_get_the_same_answer(
    svc: Service, branches: dict[str, str]
) -> None:
    member = await svc.apply_and_verify(application(branches["auto"], 1))
    assert member.status_code == 200, member.text
    pending = await svc.client.post("/applications", json=application(branches["manual"], 2))
    assert pending.status_code == 201
    # A stranger types each of these IDs with their own phones (all masked alike); and a newcomer applies.
    stranger_phone = "13900000099"
    for branch, expected_status in (("manual", "pending"), ("auto", "awaiting_verification")):
        answers = [
            await svc.client.post(
                "/applications",
                json=application(branches[branch], n, phone=f"139{n % 10_000:04d}0099"),
            )
            for n in (1, 2, 3 if branch == "manual" else 4)
        ]
        shapes = {shape(a) for a in answers}
        assert len(shapes) == 1, shapes
        (status_code, _, status, sent_to) = shapes.pop()
        assert (status_code, status) == (201, expected_status)
        assert sent_to == (stranger_phone[:3] + "****" + stranger_phone[-4:] if branch == "auto" else None)
        seen = [await svc.application(a.json()["application_id"]) for a in answers]
        assert "already an active member" in seen[0]["duplicate_reason"]
        assert seen[1]["duplicate_of"] == pending.json()["application_id"] or branch == "auto"
        assert seen[2]["duplicate_of"] is None
        if branch == "auto":
            # After the right code too: the same answer for the member's ID and the newcomer's.
            verified = [await verify(svc, a.json()["application_id"]) for a in (answers[0], answers[2])]
            assert [v.status_code for v in verified] == [200, 200]
            assert verified[0].json().keys() == verified[1].json().keys()
            assert verified[0].json()["message"] == verified[1].json()["message"]
            first = await svc.application(answers[0].json()["application_id"])
            newcomer = await svc.application(answers[2].json()["application_id"])
            assert (first["status"], first["member_id"]) == ("pending", None)  # for the officer
            assert first["duplicate_of"] is not None
            assert newcomer["status"] == "approved" and newcomer["member_id"] is not None


async def test_a_wrong_code_uses_up_an_attempt_and_the_last_one_closes_the_application(
    svc: Service, branches: dict[str, str]
) -> None:
    r = await svc.client.post("/applications", json=application(branches["auto"], 10))
    application_id = r.json()["application_id"]
    right = svc.codes.code_of(application_id)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    messages = []
    for _ in range(3):  # verification_code_attempts=3 in this module
        refused = await verify(svc, application_id, wrong)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "code"]
        messages.append(refused.json()["detail"][0]["msg"])
    assert "2 attempts left" in messages[0] and "apply again" in messages[2]
    late = await verify(svc, application_id, right)
    assert late.status_code == 422 and "too many wrong codes" in late.json()["detail"][0]["msg"]
    seen = await svc.application(application_id)
    assert (seen["status"], seen["member_id"]) == ("awaiting_verification", None)
    malformed = await verify(svc, application_id, "12ab")
    assert malformed.status_code == 422 and malformed.json()["detail"][0]["loc"] == ["body", "code"]
    assert (await verify(svc, str(uuid.uuid4()), "123456")).status_code == 404


async def test_a_code_is_used_once_and_a_manual_branch_needs_none(
    svc: Service, branches: dict[str, str]
) -> None:
    r = await svc.client.post("/applications", json=application(branches["auto"], 20))
    application_id = r.json()["application_id"]
    assert (await verify(svc, application_id)).status_code == 200
    again = await verify(svc, application_id)
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "code"]
    member_id = (await svc.application(application_id))["member_id"]
    (joined,) = await svc.events.wait("MemberJoined", member_id=member_id)
    assert joined.data["channel"] == "self_service"
    manual = await svc.client.post("/applications", json=application(branches["manual"], 21))
    assert manual.json()["code_sent_to"] is None
    assert manual.json()["application_id"] not in svc.codes.codes
    refused = await verify(svc, manual.json()["application_id"], "123456")
    assert refused.status_code == 422 and "not waiting for a code" in refused.json()["detail"][0]["msg"]


async def test_the_development_sender_logs_the_phone_masked(
    svc: Service, branches: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="membership.sms"):
        r = await svc.client.post("/applications", json=application(branches["auto"], 30))
    (line,) = [rec for rec in caplog.records if rec.name == "membership.sms"]
    code = svc.codes.code_of(r.json()["application_id"])
    assert code in line.getMessage() and phone(PERSON + 30)[-4:] in line.getMessage()
    assert phone(PERSON + 30) not in line.getMessage() and person_id(PERSON + 30) not in caplog.text
    assert code not in r.text


@pytest.fixture(scope="module")
async def limited(membership_service: Any) -> AsyncIterator[Service]:
    district = new_district("lim")
    # No consumers: this second service of the module needs none, and two members of the
    # registration group stopping together left the next module's service hanging at start-up
    # on the embedded broker.
    async with membership_service(
        [district],
        public_limit_per_client="6/minute",
        public_limit_per_person="2/hour",
        consumers_enabled=False,
    ) as service:
        service.districts = [district]
        yield service


async def test_rate_limits_per_person_phone_and_client_answer_429_and_change_nothing(
    limited: Service,
) -> None:
    branch = await limited.create_branch(limited.districts[0], auto_approve=False)

    async def count() -> int:
        r = await limited.client.get("/applications", params={"branch_id": branch}, headers=limited.admin)
        return int(r.json()["total"])

    for n in (1, 1):
        assert (await limited.client.post("/applications", json=application(branch, n))).status_code == 201
    # The same person a third time, even with another phone and spelling of the ID: refused.
    person = application(branch, 1, phone=phone(PERSON + 50), national_id=person_id(PERSON + 1).lower())
    refused = await limited.client.post("/applications", json=person)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert person_id(PERSON + 1) not in refused.text
    assert await count() == 2
    # Another person's ID, to the phone that already got two codes: refused too.
    to_same_phone = await limited.client.post(
        "/applications", json=application(branch, 6, phone=phone(PERSON + 1))
    )
    assert to_same_phone.status_code == 429
    # Other people from the same client: up to the client's limit (6 requests a minute).
    answers = [await limited.client.post("/applications", json=application(branch, n)) for n in (2, 3, 4)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert await count() == 4
    verify = await limited.client.post(f"/applications/{uuid.uuid4()}/verify", json={"code": "123456"})
    assert verify.status_code == 429
