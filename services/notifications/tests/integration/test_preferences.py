"""Preferences over HTTP: one's own (member or officer, keyed by the token), validated with 422s
that name the field and change nothing; a member's, read-only, for officers covering them."""

from __future__ import annotations

import uuid
from typing import Any

from notifications_testkit import new_district

CHOSEN = {
    "language": "en",
    "channels": {"campaign": ["in_app"], "account": ["in_app", "email"]},
    "campaign_opt_out": False,
    "quiet_hours": {"start": "22:00:00", "end": "07:00:00", "timezone": "Europe/Berlin"},
}
DEFAULTS = {"language": "zh", "channels": {}, "campaign_opt_out": False, "quiet_hours": None}

BAD: list[tuple[dict[str, Any], list[str]]] = [
    ({"channels": {"campaign": ["pigeon"]}}, ["body", "channels", "campaign", 0]),
    ({"channels": {"campaign": ["webhook"]}}, ["body", "channels", "campaign", 0]),
    ({"channels": {"gossip": ["sms"]}}, ["body", "channels", "gossip", "[key]"]),
    (
        {"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Mars/Olympus"}},
        ["body", "quiet_hours", "timezone"],
    ),
    (
        {"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "../../etc/passwd"}},
        ["body", "quiet_hours", "timezone"],
    ),
    ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, ["body", "quiet_hours", "end"]),
    ({"quiet_hours": {"start": "22:00+08:00", "end": "07:00"}}, ["body", "quiet_hours", "start"]),
    ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, ["body", "quiet_hours", "start"]),
    ({"language": "fr"}, ["body", "language"]),
    ({"campaign_opt_out": "maybe"}, ["body", "campaign_opt_out"]),
    ({"colour": "red"}, ["body", "colour"]),
]


async def test_members_and_officers_keep_their_own_preferences(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        member = svc.member_token(uuid.uuid4())
        officer = svc.district_officer(district)
        assert (await svc.client.get("/me/preferences", headers=member)).json() == DEFAULTS

        saved = await svc.client.put("/me/preferences", json=CHOSEN, headers=member)
        assert saved.status_code == 200
        assert (await svc.client.get("/me/preferences", headers=member)).json() == saved.json()
        assert saved.json()["channels"] == {"campaign": ["in_app"], "account": ["email", "in_app"]}
        assert saved.json()["quiet_hours"] == CHOSEN["quiet_hours"]
        assert (await svc.client.get("/me/preferences", headers=officer)).json() == DEFAULTS

        # A PUT replaces the whole: what is left out is back to its default.
        replaced = await svc.client.put("/me/preferences", json={"campaign_opt_out": True}, headers=member)
        assert replaced.json() == {**DEFAULTS, "campaign_opt_out": True}
        assert (await svc.client.get("/me/preferences", headers=svc.token("operator"))).status_code == 403


async def test_bad_preferences_are_422s_naming_the_field_and_change_nothing(notifications_service) -> None:
    district = new_district()
    async with notifications_service([district]) as svc:
        member = svc.member_token(uuid.uuid4())
        assert (await svc.client.put("/me/preferences", json=CHOSEN, headers=member)).status_code == 200
        for body, loc in BAD:
            response = await svc.client.put("/me/preferences", json=body, headers=member)
            assert response.status_code == 422, body
            assert [e["loc"] for e in response.json()["detail"]] == [loc], body
        stored = (await svc.client.get("/me/preferences", headers=member)).json()
        assert stored["language"] == "en" and stored["quiet_hours"] == CHOSEN["quiet_hours"]


async def test_officers_covering_a_member_read_their_preferences(notifications_service) -> None:
    district, elsewhere = new_district(), new_district()
    async with notifications_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member_id = await svc.member(district, branch)
        await svc.client.put("/me/preferences", json=CHOSEN, headers=svc.member_token(member_id))
        url = f"/preferences/{member_id}"
        assert (await svc.client.get(url, headers=svc.district_officer(district))).json()["language"] == "en"
        assert (await svc.client.get(url, headers=svc.branch_officer(district, branch))).status_code == 200
        assert (await svc.client.get(url, headers=svc.district_officer(elsewhere))).status_code == 403
        assert (await svc.client.get(url, headers=svc.member_token(member_id))).status_code == 403
        unknown = f"/preferences/{uuid.uuid4()}"
        assert (await svc.client.get(unknown, headers=svc.district_officer(district))).status_code == 404
