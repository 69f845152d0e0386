"""Officers' alert registration over HTTP: addresses sealed to the service's key, only ever
shown masked (in no answer and no log line in the clear), 422s that store nothing, the list
within one's scope, and no registration for members or the operator."""

from __future__ import annotations

import logging
import uuid

import pytest
import sqlalchemy as sa
from notifications.adapters.orm import officers
from notifications_testkit import new_district

EMAIL, PHONE = "zhang.wei@Example.ORG", "+86 138-1234-5678"


async def test_an_officer_registers_and_sees_only_masked_addresses(
    notifications_service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    district, elsewhere = new_district(), new_district()
    async with notifications_service([district]) as svc:
        branch = "b-" + uuid.uuid4().hex[:6]
        do, bo = svc.district_officer(district), svc.branch_officer(district, branch)
        answers = []
        answers.append(
            await svc.client.put(
                "/officers/me", json={"email": EMAIL, "phone": PHONE, "digest": "daily"}, headers=do
            )
        )
        answers.append(await svc.client.put("/officers/me", json={"phone": "13900001111"}, headers=bo))
        answers.append(await svc.client.get("/officers/me", headers=do))
        answers.append(await svc.client.get("/officers", headers=do))
        answers.append(await svc.client.get("/officers", headers=svc.admin))
        answers.append(await svc.client.get("/officers", headers=bo))
        assert [a.status_code for a in answers] == [200] * 6
        mine = answers[2].json()
        assert mine["email"] == "z***@example.org" and mine["phone"] == "138****5678"
        assert (mine["role"], mine["district"], mine["digest"]) == ("district_officer", district, "daily")
        assert {o["officer_id"] for o in answers[3].json()["items"]} == {f"do-{district}", f"bo-{branch}"}
        assert [o["officer_id"] for o in answers[5].json()["items"]] == [f"bo-{branch}"]
        assert (
            await svc.client.get("/officers", params={"district": elsewhere}, headers=do)
        ).status_code == 403

        async with svc.engine.connect() as conn:
            row = (
                await conn.execute(officers.select().where(officers.c.officer_id == f"do-{district}"))
            ).one()
        assert row.key_id == svc.settings.contact_key_id
        opened = svc.app.state.contact_keyring.unseal(row.key_id, row.sealed)
        assert (opened.email, opened.phone) == ("zhang.wei@example.org", "13812345678")

        clear = ("zhang.wei", "13812345678", "1234-5678", "13900001111")
        for text in [a.text for a in answers] + [r.getMessage() for r in caplog.records]:
            assert not any(c in text for c in clear)

        assert (await svc.client.delete("/officers/me", headers=do)).status_code == 204
        assert (await svc.client.get("/officers/me", headers=do)).status_code == 404
        assert (await svc.client.delete("/officers/me", headers=do)).status_code == 404


async def test_bad_addresses_are_422s_that_store_nothing_and_echo_nothing(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        do = svc.district_officer(district)
        cases = [
            ({"phone": "12345"}, ["body", "phone"]),
            ({"phone": "23812345678"}, ["body", "phone"]),
            ({"email": "zhang.wei at example"}, ["body", "email"]),
            ({"email": "a@b@example.org"}, ["body", "email"]),
            ({"digest": "weekly"}, ["body", "digest"]),
            ({"email": "x@example.org", "pager": "1"}, ["body", "pager"]),
        ]
        for body, loc in cases:
            response = await svc.client.put("/officers/me", json=body, headers=do)
            assert response.status_code == 422, body
            assert [e["loc"] for e in response.json()["detail"]] == [loc]
            for value in body.values():
                assert value not in response.text
        assert (await svc.client.get("/officers/me", headers=do)).status_code == 404


async def test_members_and_the_operator_register_nothing(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        body = {"email": "m@example.org"}
        member = svc.member_token(uuid.uuid4())
        assert (await svc.client.put("/officers/me", json=body, headers=member)).status_code == 403
        assert (await svc.client.get("/officers", headers=member)).status_code == 403
        assert (
            await svc.client.put("/officers/me", json=body, headers=svc.token("operator"))
        ).status_code == 403
        async with svc.engine.connect() as conn:
            assert await conn.scalar(sa.select(sa.func.count()).select_from(officers)) == 0
