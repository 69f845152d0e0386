"""Dead letters in the console over the real broker and database: browse them from the index
within the caller's scope, redrive a selection or a filter through the chassis' replay, once,
recorded with who and why; bad requests are refused naming the field and change nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from console.adapters.orm import redrives
from console_testkit import Console, new_district
from dead_letter_kit import NATIONAL_ID, dead_letter_records, joined_record, wait_indexed
from unionfed_chassis.dead_letter_reading import read_all
from unionfed_chassis.dead_letter_replay import Outcome, replay_positions
from unionfed_chassis.stored_dead_letter import DeadLetterPosition
from unionfed_devstack.testing import wait_for
from unionfed_events.topics import dead_letter, district_events, retry


@pytest.fixture(scope="module")
async def console(console_service: Any) -> Any:
    async with console_service(districts=[]) as svc:  # earlier tests' topics: from their end
        yield svc


async def _letters(console: Console, district: str, count: int) -> tuple[str, str]:
    """A fresh group with `count` dead letters from `district`'s membership topic, once indexed."""
    group = f"test-dlq-{uuid.uuid4().hex[:8]}"
    origin = district_events("membership", district)
    records = [joined_record(origin, 10 + i, district) for i in range(count)]
    bootstrap = console.settings.kafka_bootstrap_servers
    await dead_letter_records(
        bootstrap, console.producer, group, records, f"IntegrityError national_id {NATIONAL_ID}"
    )
    await wait_indexed(console.engine, group, count)
    return group, origin


def _position(group: str, offset: int) -> dict[str, Any]:
    return {"topic": dead_letter(group), "partition": 0, "offset": offset}


async def _sent(console: Console, group: str) -> list[Any]:
    return await read_all(console.settings.kafka_bootstrap_servers, [retry(group)], idle=0.5)


async def _redrive_rows(console: Console, group: str) -> list[Any]:
    async with console.engine.connect() as conn:
        statement = sa.select(redrives).where(redrives.c.group_id == group).order_by(redrives.c.id)
        return list((await conn.execute(statement)).all())


async def test_browse_filters_and_keeps_a_district_officer_to_their_district(console: Console) -> None:
    mine, other = new_district("dm"), new_district("do")
    group, origin = await _letters(console, mine, 2)
    other_group, _ = await _letters(console, other, 1)

    listed = (
        await console.client.get("/api/dead-letters", params={"group": group}, headers=console.operator)
    ).json()
    assert listed["total"] == 2
    letter = listed["items"][0]
    assert letter["origin"].startswith(origin) and letter["attempts"] == "3"
    assert "IntegrityError" in letter["reason"] and NATIONAL_ID not in str(letter)
    assert letter["payload"]["national_id"] == "3101**********1234"
    assert letter["redriven_by"] is None

    by_reason = await console.client.get(
        "/api/dead-letters", params={"reason": "#1", "origin": mine}, headers=console.operator
    )
    assert [d["position"] for d in by_reason.json()["items"]] == [f"{dead_letter(group)}/0/1"]

    officer = console.district_officer(mine)
    seen = (await console.client.get("/api/dead-letters", headers=officer)).json()["items"]
    assert {d["group"] for d in seen} == {group}, "only letters whose origin is in the officer's district"
    other_topic = await console.client.get(
        "/api/dead-letters", params={"group": other_group}, headers=officer
    )
    assert other_topic.json()["total"] == 0

    page = await console.client.get("/dead-letters", params={"group": group}, headers=console.operator)
    assert page.status_code == 200
    assert page.text.count('class="dead-letter') == 2 and 'id="redrive-selected"' in page.text
    assert NATIONAL_ID not in page.text
    officer_page = await console.client.get("/dead-letters", headers=officer)
    assert "redrive-selected" not in officer_page.text, "an officer has no redrive buttons"


async def test_a_redrive_needs_a_reason_and_the_right_role(console: Console) -> None:
    district = new_district("dr")
    group, _ = await _letters(console, district, 1)
    url = "/api/dead-letters/redrive"
    missing = await console.client.post(
        url, json={"positions": [_position(group, 0)]}, headers=console.operator
    )
    assert missing.status_code == 422
    assert [e["loc"] for e in missing.json()["detail"]] == [["body", "reason"]]
    blank = await console.client.post(
        url, json={"positions": [_position(group, 0)], "reason": "   "}, headers=console.operator
    )
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "reason"]
    both = await console.client.post(
        url,
        json={"positions": [_position(group, 0)], "filter": {"group": group}, "reason": "x"},
        headers=console.operator,
    )
    assert both.status_code == 422 and both.json()["detail"][0]["loc"] == ["body", "positions"]
    not_dlq = {"topic": district_events("membership", district), "partition": 0, "offset": 0}
    wrong = await console.client.post(
        url, json={"positions": [not_dlq], "reason": "x"}, headers=console.operator
    )
    assert wrong.status_code == 422
    officer = await console.client.post(
        url,
        json={"positions": [_position(group, 0)], "reason": "x"},
        headers=console.district_officer(district),
    )
    assert officer.status_code == 403
    assert await _sent(console, group) == [] and await _redrive_rows(console, group) == [], "nothing changed"


async def test_a_selection_is_redriven_once_and_recorded_with_who_and_why(console: Console) -> None:
    group, _ = await _letters(console, new_district("ds"), 3)
    url = "/api/dead-letters/redrive"
    body = {"positions": [_position(group, 0), _position(group, 2)], "reason": "fixed the member mapping"}
    first = await console.client.post(url, json=body, headers=console.operator)
    assert first.status_code == 200, first.text
    assert first.json()["replayed"] == 2
    assert [r["outcome"] for r in first.json()["results"]] == ["replayed", "replayed"]
    assert len(await _sent(console, group)) == 2

    again = await console.client.post(url, json={**body, "reason": "again"}, headers=console.admin)
    results = again.json()["results"]
    assert again.json()["replayed"] == 0
    assert [r["outcome"] for r in results] == ["already replayed", "already replayed"]
    assert (results[0]["earlier_by"], results[0]["earlier_reason"]) == ("op-1", "fixed the member mapping")
    assert len(await _sent(console, group)) == 2, "nothing sent the second time"

    rows = await _redrive_rows(console, group)
    assert [(r.actor, r.reason, r.dlq_offset, r.outcome) for r in rows] == [
        ("op-1", "fixed the member mapping", 0, "replayed"),
        ("op-1", "fixed the member mapping", 2, "replayed"),
        ("fed-admin", "again", 0, "already replayed"),
        ("fed-admin", "again", 2, "already replayed"),
    ]
    listed = (
        await console.client.get("/api/dead-letters", params={"group": group}, headers=console.operator)
    ).json()
    state = {d["offset"]: (d["redriven_by"], d["redrive_reason"]) for d in listed["items"]}
    assert state == {
        0: ("op-1", "fixed the member mapping"),
        1: (None, None),
        2: ("op-1", "fixed the member mapping"),
    }


async def test_a_filter_redrives_every_matching_letter_and_unknown_positions_are_not_found(
    console: Console,
) -> None:
    group, _ = await _letters(console, new_district("df"), 2)
    url = "/api/dead-letters/redrive"
    answer = await console.client.post(
        url, json={"filter": {"group": group}, "reason": "deployed 1.4.2"}, headers=console.operator
    )
    assert answer.status_code == 200, answer.text
    assert [r["outcome"] for r in answer.json()["results"]] == ["replayed", "replayed"]
    assert len(await _sent(console, group)) == 2
    unknown = await console.client.post(
        url, json={"positions": [_position(group, 7)], "reason": "x"}, headers=console.operator
    )
    assert [r["outcome"] for r in unknown.json()["results"]] == ["not found"]
    assert len(await _sent(console, group)) == 2


async def test_a_replay_made_outside_the_console_shows_as_redriven(console: Console) -> None:
    group, _ = await _letters(console, new_district("dc"), 2)
    position = DeadLetterPosition(dead_letter(group), 0, 1)
    [outcome] = await replay_positions(
        console.settings.kafka_bootstrap_servers,
        [position],
        by="li.wei",
        reason="replayed with the CLI",
        enable_idempotence=console.settings.kafka_enable_idempotence,
    )
    assert outcome.outcome == Outcome.REPLAYED

    async def redriven() -> dict[int, Any]:
        r = await console.client.get("/api/dead-letters", params={"group": group}, headers=console.operator)
        return {
            d["offset"]: (d["redriven_by"], d["redrive_reason"])
            for d in r.json()["items"]
            if d["redriven_by"]
        }

    # Once the indexer has the record of `unionfed.dlq-replays`.
    assert await wait_for(redriven, timeout=30) == {1: ("li.wei", "replayed with the CLI")}
