"""Branch systems over the real broker: each registers members only into the branches it is
registered for, on its own topic pair, and its answers reach its own replies topic only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from membership_testkit import (
    EventReader,
    Service,
    assert_cloudevent,
    assert_no_personal_data,
    new_district,
    person_id,
    phone,
)
from unionfed_events import Envelope, topics
from unionfed_events import membership as ev

DISTRICT = new_district("sys")
OTHER = new_district("sysother")
PERSON = 30_000  # person numbers of this module, apart from the other modules' ones


@pytest.fixture(scope="module")
async def svc(membership_service: Any) -> AsyncIterator[Service]:
    # A registered system's topics are new to the running consumer: a short metadata age lets
    # its pattern subscription see them within a second instead of 30.
    async with membership_service([DISTRICT, OTHER], kafka_metadata_max_age_ms=500) as service:
        yield service


@pytest.fixture(scope="module")
async def branches(svc: Service) -> dict[str, str]:
    return {
        "a": await svc.create_branch(DISTRICT, auto_approve=False),
        "b": await svc.create_branch(DISTRICT, auto_approve=False),
        "other": await svc.create_branch(OTHER),
    }


@pytest.fixture(scope="module")
async def systems(svc: Service, branches: dict[str, str]) -> AsyncIterator[dict[str, dict[str, Any]]]:
    """System "a" serves branch a, system "b" serves branch b; each with a reader of its replies."""
    registered: dict[str, dict[str, Any]] = {}
    readers = []
    for name in ("a", "b"):
        body = {
            "system_id": f"hr-{name}-{uuid.uuid4().hex[:6]}",
            "district": DISTRICT,
            "name": f"HR system {name}",
            "branch_ids": [branches[name]],
        }
        r = await svc.client.post("/branch-systems", json=body, headers=svc.officer(DISTRICT))
        assert r.status_code == 201, r.text
        system = r.json()
        reader = EventReader(svc.settings.kafka_bootstrap_servers, [system["replies_topic"]])
        await reader.start()
        readers.append(reader)
        registered[name] = system | {"replies": reader}
    yield registered
    for reader in readers:
        await reader.stop()


async def publish(svc: Service, topic: str, **fields: Any) -> Envelope:
    """What a branch system does: one MemberRegistrationRequested on its inbound topic."""
    request = ev.MemberRegistrationRequested(**fields)
    envelope = Envelope.wrap(
        request, source="/branch-system/test", district=DISTRICT, correlationid=f"corr-{uuid.uuid4().hex}"
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=svc.settings.kafka_bootstrap_servers,
        enable_idempotence=svc.settings.kafka_enable_idempotence,
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, envelope.data, key=envelope.key, headers=envelope.headers())
    finally:
        await producer.stop()
    return envelope


def registration(branch_id: str, n: int, request_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    return {
        "request_id": request_id or f"req-{uuid.uuid4().hex[:12]}",
        "branch_id": branch_id,
        "name": "李娜",
        "national_id": person_id(PERSON + n),
        "phone": phone(PERSON + n),
        "employer": "上海申达物流有限公司",
        "employment_type": "regular",
    } | overrides


async def test_registering_a_system_creates_its_topics_under_its_own_prefix(
    svc: Service, systems: dict[str, dict[str, Any]], branches: dict[str, str]
) -> None:
    a = systems["a"]
    assert a["inbound_topic"] == topics.system_inbound("membership", DISTRICT, a["system_id"])
    assert a["replies_topic"].startswith(a["acl_prefix"]) and a["inbound_topic"].startswith(a["acl_prefix"])
    assert not systems["b"]["replies_topic"].startswith(a["acl_prefix"])
    admin = AIOKafkaAdminClient(bootstrap_servers=svc.settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
    finally:
        await admin.close()
    assert {a["inbound_topic"], a["replies_topic"]} <= existing
    listed = await svc.client.get("/branch-systems", headers=svc.officer(DISTRICT))
    assert {s["system_id"] for s in listed.json()} == {systems["a"]["system_id"], systems["b"]["system_id"]}
    assert (await svc.client.get("/branch-systems", headers=svc.officer(OTHER))).json() == []
    own_branch = svc.token("branch_officer", district=DISTRICT, branch=branches["a"])
    assert [s["system_id"] for s in (await svc.client.get("/branch-systems", headers=own_branch)).json()] == [
        a["system_id"]
    ]


async def test_system_registers_into_its_branch_and_is_answered_on_its_own_topic(
    svc: Service, systems: dict[str, dict[str, Any]], branches: dict[str, str]
) -> None:
    a = systems["a"]
    fields = registration(branches["a"], 1)
    sent = await publish(svc, a["inbound_topic"], **fields)
    (answer,) = await a["replies"].wait(
        "MemberRegistrationAnswered", within=60, request_id=fields["request_id"]
    )
    assert answer.topic == a["replies_topic"]
    assert answer.headers["ce_correlationid"] == sent.correlationid
    assert answer.headers["ce_causationid"] == str(sent.id)
    assert answer.data["outcome"] == "accepted" and answer.data["card_number"].startswith("GH")
    (joined,) = await svc.events.wait("MemberJoined", member_id=answer.data["member_id"])
    assert_cloudevent(joined, DISTRICT)
    assert joined.headers["ce_correlationid"] == sent.correlationid
    assert joined.data["channel"] == "branch_system" and joined.data["branch_id"] == branches["a"]
    # The same request again (a retry by the branch system): the same answer, nobody new.
    await publish(svc, a["inbound_topic"], **fields)
    answers = await a["replies"].wait("MemberRegistrationAnswered", count=2, request_id=fields["request_id"])
    assert answers[1].data["member_id"] == answer.data["member_id"]
    assert len(svc.events.of("MemberJoined", member_id=answer.data["member_id"])) == 1
    assert_no_personal_data(
        svc.events.records + a["replies"].records, [person_id(PERSON + 1), phone(PERSON + 1)]
    )


async def test_system_is_refused_a_branch_it_does_not_serve_and_others_never_see_its_answers(
    svc: Service, systems: dict[str, dict[str, Any]], branches: dict[str, str]
) -> None:
    a, b = systems["a"], systems["b"]
    request_id = f"req-{uuid.uuid4().hex[:12]}"
    cases = {
        "b": registration(branches["b"], 2, request_id),  # a branch of the district, not system a's
        "other": registration(branches["other"], 3),  # a branch of another district
    }
    for fields in cases.values():
        await publish(svc, a["inbound_topic"], **fields)
    for fields in cases.values():
        (answer,) = await a["replies"].wait(
            "MemberRegistrationAnswered", within=60, request_id=fields["request_id"]
        )
        assert (answer.data["outcome"], answer.data["field"]) == ("rejected", "branch_id"), answer.data
        assert answer.data["member_id"] is None
    # System b sends the same request id for its own branch: its own answer, not a's refusal.
    await publish(svc, b["inbound_topic"], **registration(branches["b"], 2, request_id))
    (own,) = await b["replies"].wait("MemberRegistrationAnswered", within=60, request_id=request_id)
    assert own.data["outcome"] == "accepted", own.data
    assert {r.topic for r in b["replies"].records} == {b["replies_topic"]}
    assert len(b["replies"].records) == 1  # none of system a's answers reached b's topic
    assert {r.topic for r in a["replies"].records} == {a["replies_topic"]}
    joined_branches = {r.data["branch_id"] for r in svc.events.of("MemberJoined")}
    assert branches["other"] not in joined_branches


async def test_system_requests_with_bad_or_duplicate_people_get_rejected_answers(
    svc: Service, systems: dict[str, dict[str, Any]], branches: dict[str, str]
) -> None:
    a = systems["a"]
    bad = person_id(PERSON + 4)[:-1] + ("0" if person_id(PERSON + 4)[-1] != "0" else "1")
    cases = {
        "national_id": [
            registration(branches["a"], 4, national_id=bad),
            registration(branches["a"], 1),  # joined in an earlier test
        ],
        "phone": [registration(branches["a"], 5, phone="12345")],
    }
    for batch in cases.values():
        for fields in batch:
            await publish(svc, a["inbound_topic"], **fields)
    for field, batch in cases.items():
        for fields in batch:
            (answer,) = await a["replies"].wait(
                "MemberRegistrationAnswered", within=60, request_id=fields["request_id"]
            )
            assert (answer.data["outcome"], answer.data["field"]) == ("rejected", field), answer.data
    assert_no_personal_data(a["replies"].records, [bad])


async def test_officers_change_what_a_system_serves_within_their_scope(
    svc: Service, systems: dict[str, dict[str, Any]], branches: dict[str, str]
) -> None:
    a = systems["a"]
    url = f"/branch-systems/{a['system_id']}/branches"
    both = {"branch_ids": [branches["a"], branches["b"]]}
    assert (await svc.client.put(url, json=both, headers=svc.officer(OTHER))).status_code == 403
    branch_officer = svc.token("branch_officer", district=DISTRICT, branch=branches["a"])
    assert (await svc.client.put(url, json=both, headers=branch_officer)).status_code == 403
    r = await svc.client.put(url, json={"branch_ids": [branches["other"]]}, headers=svc.admin)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "branch_ids"]
    r = await svc.client.put(url, json=both, headers=svc.officer(DISTRICT))
    assert r.status_code == 200 and sorted(r.json()["branch_ids"]) == sorted(both["branch_ids"])
    fields = registration(branches["b"], 6)
    await publish(svc, a["inbound_topic"], **fields)
    (answer,) = await a["replies"].wait(
        "MemberRegistrationAnswered", within=60, request_id=fields["request_id"]
    )
    assert answer.data["outcome"] == "accepted", answer.data


async def test_registering_a_system_refuses_bad_input_and_other_scopes(
    svc: Service, systems: dict[str, dict[str, Any]], branches: dict[str, str]
) -> None:
    body = {"system_id": "hr-new", "district": DISTRICT, "name": "HR", "branch_ids": [branches["a"]]}
    assert (await svc.client.post("/branch-systems", json=body)).status_code == 401
    for headers in (svc.officer(OTHER), svc.token("branch_officer", district=DISTRICT, branch=branches["a"])):
        assert (await svc.client.post("/branch-systems", json=body, headers=headers)).status_code == 403
    refusals = {
        "system_id": body | {"system_id": systems["a"]["system_id"]},  # taken
        "branch_ids": body | {"branch_ids": [branches["other"]]},  # another district's branch
        "district": body | {"district": new_district("none")},
    }
    for field, refused in refusals.items():
        r = await svc.client.post("/branch-systems", json=refused, headers=svc.admin)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", field], (field, r.text)
    r = await svc.client.post("/branch-systems", json=body | {"system_id": "HR.new"}, headers=svc.admin)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "system_id"]
    assert (await svc.client.get("/branch-systems/hr-new", headers=svc.admin)).status_code == 404


async def test_a_system_may_give_an_email_and_a_bad_one_is_refused_without_echo(
    svc: Service, systems: dict[str, dict[str, Any]], branches: dict[str, str]
) -> None:
    a = systems["a"]
    good = registration(branches["a"], 40, email="hr.li@example.com")
    bad = registration(branches["a"], 41, email="hidden@@example.com")
    await publish(svc, a["inbound_topic"], **good)
    await publish(svc, a["inbound_topic"], **bad)
    (accepted,) = await a["replies"].wait(
        "MemberRegistrationAnswered", within=60, request_id=good["request_id"]
    )
    member = await svc.client.get(f"/members/{accepted.data['member_id']}", headers=svc.admin)
    assert member.json()["email_masked"] == "h***@example.com"
    (refused,) = await a["replies"].wait(
        "MemberRegistrationAnswered", within=60, request_id=bad["request_id"]
    )
    assert (refused.data["outcome"], refused.data["field"]) == ("rejected", "email")
    assert b"hidden" not in refused.value
