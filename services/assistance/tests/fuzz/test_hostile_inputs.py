"""The inputs a fuzzer reaches, one by one, against the running assistance service: money that is
not exact or not money, text with control characters, ids and pages out of range. Each gets a
4xx that names the field and never echoes the value, and nothing changes (cases, funds, ledger)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from assistance_testkit import Assistance, new_district

# Every hostile value carries this marker, so an echo of it in a response is easy to find.
MARK = "Zq7Marker"
YEAR = date.today().year


@dataclass
class World:
    svc: Assistance
    district: str
    branch: str
    case_id: str

    @property
    def officer(self) -> dict[str, str]:
        return self.svc.branch_officer(self.district, self.branch)


@pytest.fixture(scope="module")
async def world(assistance_service: Callable[..., Any]) -> AsyncIterator[World]:
    district = new_district("hi")
    async with assistance_service([district]) as svc:
        branch = await svc.feed.branch(district)
        member = await svc.member(district, branch)
        await svc.allocate(district, "medical", "5000.00")
        applied = await svc.apply(member, "medical", "300.00", svc.branch_officer(district, branch))
        assert applied.status_code == 201, applied.text
        yield World(svc, district, branch, applied.json()["case_id"])


async def state(w: World) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    cases = (await w.svc.client.get("/cases", headers=w.svc.admin)).json()
    case = (await w.svc.client.get(f"/cases/{w.case_id}", headers=w.svc.admin)).json()
    ledger = (
        await w.svc.client.get(f"/funds/{w.district}/{YEAR}/medical/ledger", headers=w.svc.admin)
    ).json()
    return (
        cases["total"],
        case["status"],
        case["version"],
        ledger["total"],
        await w.svc.fund(w.district, "medical"),
    )


def assert_refused(r: Any, *loc: str, status: int = 422) -> None:
    assert r.status_code == status, r.text
    assert MARK not in r.text
    assert any(e["loc"][: len(loc)] == list(loc) for e in r.json()["detail"]), r.text


@pytest.mark.parametrize(
    "amount",
    [
        "100.001",  # more than 2 decimals: refused, never rounded
        "-5.00",
        "NaN",
        "Infinity",
        "1e400",
        "9" * 13,  # more digits than a fund can hold
        f"{MARK}",
        "",
    ],
)
async def test_an_amount_that_is_not_exact_money_is_refused(world: World, amount: str) -> None:
    before = await state(world)
    body = {"district": world.district, "year": YEAR, "aid_type": "medical", "amount_yuan": amount}
    r = await world.svc.client.post("/funds", json=body, headers=world.svc.admin)
    assert_refused(r, "body", "amount_yuan")
    assert await state(world) == before


@pytest.mark.parametrize("amount", ["100.001", "-1", "NaN", "0"])
async def test_an_approved_amount_that_is_not_exact_money_is_refused(world: World, amount: str) -> None:
    before = await state(world)
    r = await world.svc.decide(world.case_id, "approve", world.officer, amount_yuan=amount)
    assert_refused(r, "body", "amount_yuan")
    assert await state(world) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "approve", "comment": f"好\x00{MARK}"}, "comment"),
        ({"decision": "reject", "comment": f"\x1b[31m{MARK}"}, "comment"),
        ({"decision": "reject"}, "comment"),  # a rejection needs a reason
        ({"decision": "return", "comment": ""}, "comment"),
        ({"decision": f"approve{MARK}"}, "decision"),
        ({"decision": "approve", "comment": MARK * 400}, "comment"),
    ],
)
async def test_a_hostile_decision_is_refused_and_nothing_changes(
    world: World, body: dict[str, str], field: str
) -> None:
    before = await state(world)
    r = await world.svc.client.post(f"/cases/{world.case_id}/decision", json=body, headers=world.officer)
    assert_refused(r, "body", field)
    assert await state(world) == before


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/cases/{MARK}", "case_id"),
        (f"/funds/UPPER{MARK}/{YEAR}/medical", "district"),
        ("/funds/hi-x/99999/medical", "year"),
        (f"/funds/hi-x/{YEAR}/{MARK}", "aid_type"),
        (f"/members/{MARK}%00", "member_id"),
    ],
)
async def test_a_hostile_path_is_refused_by_name(world: World, path: str, field: str) -> None:
    assert_refused(await world.svc.client.get(path, headers=world.svc.admin), "path", field)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=100000000000000000000", "page"),  # past int64
        ("page=0", "page"),
        ("page_size=100000", "page_size"),
        (f"status={MARK}", "status"),
        (f"district=UPPER{MARK}", "district"),
        (f"member_id={MARK}", "member_id"),
    ],
)
async def test_a_hostile_query_parameter_is_refused_by_name(world: World, query: str, field: str) -> None:
    assert_refused(await world.svc.client.get(f"/cases?{query}", headers=world.svc.admin), "query", field)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", "application/json"),
        (b'{"member_id": ', "application/json"),
        (b'{"member_id": "\\ud800' + MARK.encode() + b'"}', "application/json"),
        (MARK.encode(), "text/plain"),
        (b"[]", "application/json"),
    ],
)
async def test_a_malformed_application_is_refused(world: World, content: bytes, content_type: str) -> None:
    before = await state(world)
    r = await world.svc.client.post(
        "/cases", content=content, headers=world.officer | {"content-type": content_type}
    )
    assert_refused(r, "body")
    assert await state(world) == before


async def test_a_top_up_past_the_largest_total_is_refused_and_nothing_changes(world: World) -> None:
    """Events carry a fund's total as yuan of at most 12 digits: a top-up past that was a 500."""
    body = {
        "district": world.district,
        "year": YEAR + 1,
        "aid_type": "medical",
        "amount_yuan": "999999999999.00",
    }
    first = await world.svc.client.post("/funds", json=body, headers=world.svc.admin)
    assert first.status_code == 201, first.text
    before = await world.svc.fund(world.district, "medical", YEAR + 1)
    r = await world.svc.client.post("/funds", json=body, headers=world.svc.admin)
    assert_refused(r, "body", "amount_yuan")
    assert await world.svc.fund(world.district, "medical", YEAR + 1) == before
