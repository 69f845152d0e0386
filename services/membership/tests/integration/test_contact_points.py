"""Members' contact points on the private compacted topic: sealed to notifications' key on every
join path, contact update and reinstatement; withdrawn then tombstoned on leaving and erasure.
And the erasure itself: what membership keeps, what it destroys, who may ask."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from membership_testkit import Service, new_district, person_id, phone
from unionfed_chassis import contact_seal
from unionfed_devstack.testing import wait_for
from unionfed_events import topics

DISTRICT = new_district("cp")
OTHER = new_district("cq")
KEYRING = contact_seal.ContactKeyring({contact_seal.DEV_KEY_ID: contact_seal.dev_private_key()})


@dataclass
class RawRecord:
    key: bytes | None
    headers: dict[str, str]
    value: bytes | None  # None: a tombstone

    @property
    def type(self) -> str | None:
        ce_type = self.headers.get("ce_type")
        return ce_type.split(".")[-2] if ce_type else None


@dataclass
class ContactTopic:
    """Every record of the contact-points topic, raw (the bytes the broker holds)."""

    bootstrap: str
    records: list[RawRecord] = field(default_factory=list)

    def of(self, member_id: str) -> list[RawRecord]:
        return [r for r in self.records if r.key == member_id.encode()]

    async def wait(self, member_id: str, count: int) -> list[RawRecord]:
        await wait_for(lambda: len(self.of(member_id)) >= count, timeout=30)
        return self.of(member_id)


@pytest.fixture(scope="module")
async def svc(membership_service: Any) -> AsyncIterator[Service]:
    async with membership_service([DISTRICT, OTHER]) as service:
        yield service


@pytest.fixture(scope="module")
async def contact_topic(kafka_bootstrap: str) -> AsyncIterator[ContactTopic]:
    consumer = AIOKafkaConsumer(
        topics.CONTACT_POINTS,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"test-contacts-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    topic = ContactTopic(kafka_bootstrap)

    async def run() -> None:
        while True:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                for r in batch:
                    topic.records.append(RawRecord(r.key, {k: v.decode() for k, v in r.headers}, r.value))

    task = asyncio.create_task(run())
    try:
        yield topic
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()


def opened(record: RawRecord) -> tuple[str | None, str | None]:
    assert record.value is not None
    data = json.loads(record.value)
    points = KEYRING.unseal(data["key_id"], data["sealed"])
    return points.phone, points.email


def assert_sealed(records: list[RawRecord], *secrets: str) -> None:
    for r in records:
        blob = (r.value or b"") + json.dumps(r.headers).encode()
        for secret in secrets:
            assert secret.encode() not in blob


def person(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": "周敏",
        "national_id": person_id(900_000 + n),
        "phone": phone(900_000 + n),
        "employer": "上海申通物流有限公司",
        "employment_type": "regular",
        **extra,
    }


async def register(svc: Service, branch: str, n: int, **extra: Any) -> dict[str, Any]:
    r = await svc.client.post(f"/branches/{branch}/members", json=person(n, **extra), headers=svc.admin)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_joining_publishes_sealed_contact_points_that_open_to_the_phone_and_email(
    svc: Service, contact_topic: ContactTopic
) -> None:
    branch = await svc.create_branch(DISTRICT)
    member = await register(svc, branch, 1, email="Zhou.Min@Example.COM")
    assert member["email_masked"] == "Z***@example.com"
    (record,) = await contact_topic.wait(member["member_id"], 1)
    assert record.type == "MemberContactPoints"
    assert record.headers["ce_district"] == DISTRICT
    data = json.loads(record.value or b"")
    assert (data["has_phone"], data["has_email"], data["branch_id"]) == (True, True, branch)
    assert opened(record) == (phone(900_001), "Zhou.Min@example.com")
    assert_sealed([record], phone(900_001), "Zhou.Min", "example.com")
    joined = await svc.events.wait("MemberJoined", member_id=member["member_id"])
    assert b"example.com" not in joined[0].value  # the public event carries no e-mail


async def test_a_bad_email_is_a_422_naming_the_field_without_echoing_it(svc: Service) -> None:
    branch = await svc.create_branch(DISTRICT)
    body = person(2, email="not-an-address@@secret.example")
    r = await svc.client.post(f"/branches/{branch}/members", json=body, headers=svc.admin)
    assert r.status_code == 422, r.text
    assert "email" in r.text and "secret.example" not in r.text
    listed = await svc.client.get("/members", params={"branch_id": branch}, headers=svc.admin)
    assert listed.json()["total"] == 0


async def test_bulk_import_publishes_contact_points_of_each_new_member(
    svc: Service, contact_topic: ContactTopic
) -> None:
    branch = await svc.create_branch(DISTRICT, auto_approve=False)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "national_id", "phone", "employer", "employment_type", "email"])
    writer.writerow(["王芳", person_id(900_010), phone(900_010), "某公司", "regular", "wf@example.org"])
    writer.writerow(["李强", person_id(900_011), phone(900_011), "某公司", "migrant", ""])
    writer.writerow(["赵伟", person_id(900_012), phone(900_012), "某公司", "regular", "bad@"])
    r = await svc.client.post(
        f"/branches/{branch}/imports",
        headers=svc.officer(DISTRICT),
        files={"file": ("m.csv", out.getvalue().encode(), "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["failed"]) == (2, 1)
    assert r.json()["errors"][0]["field"] == "email" and "bad@" not in r.text
    members = (await svc.client.get("/members", params={"branch_id": branch}, headers=svc.admin)).json()
    by_phone: dict[str | None, str] = {}
    for m in members["items"]:
        (record,) = await contact_topic.wait(m["member_id"], 1)
        points = opened(record)
        by_phone[points[0]] = points[1] or ""
        assert_sealed([record], phone(900_010), phone(900_011), "wf@example.org")
    assert by_phone == {phone(900_010): "wf@example.org", phone(900_011): ""}


async def test_contact_update_reseals_and_leaving_withdraws_then_tombstones(
    svc: Service, contact_topic: ContactTopic
) -> None:
    branch = await svc.create_branch(DISTRICT)
    mid = (await register(svc, branch, 3))["member_id"]
    await contact_topic.wait(mid, 1)
    r = await svc.client.patch(
        f"/members/{mid}/contact", json={"email": "new@example.net"}, headers=svc.officer(DISTRICT)
    )
    assert r.status_code == 200 and r.json()["email_masked"] == "n***@example.net", r.text
    updated = await svc.events.wait("MemberContactUpdated", member_id=mid)
    assert updated[0].data["email_masked"] == "n***@example.net"
    records = await contact_topic.wait(mid, 2)
    assert opened(records[1]) == (phone(900_003), "new@example.net")
    left = await svc.client.post(
        f"/members/{mid}/leave", json={"reason": "resigned"}, headers=svc.officer(DISTRICT)
    )
    assert left.status_code == 200, left.text
    records = await contact_topic.wait(mid, 4)
    withdrawn, tombstone = records[2], records[3]
    assert withdrawn.type == "MemberContactPointsWithdrawn"
    assert json.loads(withdrawn.value or b"")["reason"] == "left"
    assert tombstone.value is None and tombstone.key == mid.encode()
    back = await svc.client.post(f"/members/{mid}/reinstate", json={}, headers=svc.officer(DISTRICT))
    assert back.status_code == 200, back.text
    records = await contact_topic.wait(mid, 5)
    assert opened(records[4]) == (phone(900_003), "new@example.net")
    assert_sealed(records, phone(900_003), "new@example.net")


async def test_erasure_ends_the_membership_destroys_personal_data_and_withdraws(
    svc: Service, contact_topic: ContactTopic
) -> None:
    branch = await svc.create_branch(DISTRICT)
    member = await register(svc, branch, 4, email="erase.me@example.com")
    mid = member["member_id"]
    body = {"reason": "本人申请删除个人信息"}
    for headers in (svc.token("branch_officer", DISTRICT, branch), svc.officer(OTHER)):
        refused = await svc.client.post(f"/members/{mid}/erasure", json=body, headers=headers)
        assert refused.status_code == 403, refused.text
    r = await svc.client.post(f"/members/{mid}/erasure", json=body, headers=svc.officer(DISTRICT))
    assert r.status_code == 200, r.text
    shown = r.json()
    assert shown["status"] == "left" and shown["leave_reason"] == "erased" and shown["erased_on"]
    assert shown["name"] != "周敏"
    for personal in ("national_id_masked", "phone_masked", "email_masked", "employer"):
        assert shown[personal] is None, personal
    assert (shown["district"], shown["branch_id"], shown["card_number"]) == (
        DISTRICT,
        branch,
        member["card_number"],
    )
    (left,) = await svc.events.wait("MemberLeft", member_id=mid)
    assert left.data["reason"] == "erased"
    (erased,) = await svc.events.wait("MemberErased", member_id=mid)
    assert erased.data["district"] == DISTRICT
    assert int(erased.headers["ce_sequence"]) > int(left.headers["ce_sequence"])
    records = await contact_topic.wait(mid, 3)
    assert [r.type for r in records[1:]] == ["MemberContactPointsWithdrawn", None]
    assert json.loads(records[1].value or b"")["reason"] == "erased" and records[2].value is None
    # Twice: a 422 that changes nothing.
    again = await svc.client.post(f"/members/{mid}/erasure", json=body, headers=svc.admin)
    assert again.status_code == 422, again.text
    after = (await svc.client.get(f"/members/{mid}", headers=svc.admin)).json()
    assert after == shown
    refused = await svc.client.post(f"/members/{mid}/reinstate", json={}, headers=svc.admin)
    assert refused.status_code == 422, refused.text
    # The person may join again, as someone new.
    again_member = await register(svc, branch, 4)
    assert again_member["member_id"] != mid


async def test_republishing_reseals_every_active_members_contact_points(
    svc: Service, contact_topic: ContactTopic
) -> None:
    branch = await svc.create_branch(OTHER)
    mid = (await register(svc, branch, 20, email="again@example.com"))["member_id"]
    await contact_topic.wait(mid, 1)
    refused = await svc.client.post("/contact-points/republish", headers=svc.officer(OTHER))
    assert refused.status_code == 403, refused.text
    r = await svc.client.post("/contact-points/republish", headers=svc.admin)
    assert r.status_code == 200, r.text
    active = await svc.client.get("/members", params={"status": "active"}, headers=svc.admin)
    assert r.json()["members"] == active.json()["total"] and r.json()["key_id"] == contact_seal.DEV_KEY_ID
    records = await contact_topic.wait(mid, 2)
    assert records[1].type == "MemberContactPoints" and records[1].value != records[0].value
    assert opened(records[1]) == (phone(900_020), "again@example.com")


async def test_erasure_deletes_the_application_the_member_joined_through(svc: Service) -> None:
    branch = await svc.create_branch(OTHER)
    verified = await svc.apply_and_verify({"branch_id": branch, **person(30, email="app@example.com")})
    assert verified.status_code == 200, verified.text
    application_id = verified.json()["application_id"]
    application = await svc.application(application_id)
    assert application["email_masked"] == "a***@example.com"
    mid = application["member_id"]
    r = await svc.client.post(f"/members/{mid}/erasure", json={"reason": "本人申请"}, headers=svc.admin)
    assert r.status_code == 200, r.text
    gone = await svc.client.get(f"/applications/{application_id}", headers=svc.admin)
    assert gone.status_code == 404, gone.text
