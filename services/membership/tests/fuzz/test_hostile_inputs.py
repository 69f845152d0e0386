"""The inputs a fuzzer reaches, one by one, against the running service: each gets a 4xx that names
the field and never echoes the value, and nothing changes. (The 500s fuzzing found were NUL in any
text reaching PostgreSQL, and page numbers past int64 reaching OFFSET.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from membership_testkit import Service, new_district, person_id, phone

# Every hostile value carries this marker, so an echo of it in a response is easy to find.
MARK = "Zq7Marker"


@pytest.fixture(scope="module")
async def svc(membership_service: Callable[[list[str]], Any]) -> AsyncIterator[Service]:
    async with membership_service([new_district("hi")]) as service:
        yield service


@pytest.fixture(scope="module")
async def branch(svc: Service) -> str:
    return await svc.create_branch(svc.districts[0])


def person(n: int) -> dict[str, str]:
    return {
        "name": "张三",
        "national_id": person_id(n),
        "phone": phone(n),
        "employer": "上海恒通物流有限公司",
        "employment_type": "regular",
    }


async def state(svc: Service) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    districts = (await svc.client.get("/districts", headers=svc.admin)).json()
    members = (await svc.client.get("/members", headers=svc.admin)).json()["total"]
    branches = (await svc.client.get("/branches", headers=svc.admin)).json()["total"]
    return len(districts), members, branches


def assert_refused(r: Any, *loc: str, status: int = 422) -> None:
    assert r.status_code == status, r.text
    assert MARK not in r.text
    assert any(e["loc"][: len(loc)] == list(loc) for e in r.json()["detail"]), r.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=100000000000000000000", "page"),  # past int64: reached OFFSET and overflowed
        ("page=100001", "page"),
        ("page=0", "page"),
        ("page_size=-1", "page_size"),
        ("page_size=1000000", "page_size"),
        (f"q={MARK}%00", "q"),  # NUL: PostgreSQL refused it inside the query
        (f"industry=%1B[31m{MARK}", "industry"),
        (f"card_number={MARK}%7F", "card_number"),
        (f"q={MARK}%C2%85", "q"),  # C1 control (NEL)
        (f"q={MARK * 20}", "q"),  # longer than 100 characters
        ("status=nonsense", "status"),
        (f"district={MARK}", "district"),
    ],
)
async def test_a_hostile_query_parameter_is_refused_by_name(svc: Service, query: str, field: str) -> None:
    r = await svc.client.get(f"/members?{query}", headers=svc.admin)
    assert_refused(r, "query", field)


async def test_list_filters_of_branches_are_checked_too(svc: Service) -> None:
    for query, field in [("kind=nonsense", "kind"), ("status=x", "status"), (f"q=%00{MARK}", "q")]:
        assert_refused(await svc.client.get(f"/branches?{query}", headers=svc.admin), "query", field)


async def test_the_largest_page_answers_with_an_empty_page(svc: Service) -> None:
    r = await svc.client.get("/members?page=100000&page_size=200", headers=svc.admin)
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []


@pytest.mark.parametrize(
    "path",
    [f"/branches/{MARK}%00", f"/branches/{MARK}%01", "/branches/" + "a" * 65, f"/branches/UPPER{MARK}"],
)
async def test_a_hostile_branch_id_in_the_path_is_refused(svc: Service, path: str) -> None:
    assert_refused(await svc.client.get(path, headers=svc.admin), "path", "branch_id")


async def test_an_invalid_uuid_in_the_path_is_refused(svc: Service) -> None:
    assert_refused(await svc.client.get(f"/members/{MARK}", headers=svc.admin), "path", "member_id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "hi-nul", "name": f"徐汇{MARK}\x00"}, "name"),
        ({"code": "hi-bell", "name": f"徐汇{MARK}\x07"}, "name"),
        ({"code": "hi-newline", "name": f"徐汇\n{MARK}"}, "name"),
        ({"code": "hi-trailing", "name": f"徐汇{MARK}\n"}, "name"),
        ({"code": f"{MARK}\x00", "name": "徐汇区"}, "code"),
        ({"code": "hi-long", "name": MARK * 100}, "name"),
        ({"code": "hi-missing"}, "name"),
    ],
)
async def test_a_hostile_body_field_is_refused_and_nothing_changes(
    svc: Service, body: dict[str, str], field: str
) -> None:
    before = await state(svc)
    r = await svc.client.post("/districts", json=body, headers=svc.admin)
    assert_refused(r, "body", field)
    assert await state(svc) == before


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", "application/json"),
        (b'{"code": "hi-x", "name": ', "application/json"),  # invalid JSON
        (b'{"code": "hi-x", "name": "\\ud800' + MARK.encode() + b'"}', "application/json"),  # lone surrogate
        (b'{"code": "hi-x", "name": "\\u0000' + MARK.encode() + b'"}', "application/json"),  # escaped NUL
        (b"code=hi-x&name=" + MARK.encode(), "application/x-www-form-urlencoded"),
        (MARK.encode(), "text/plain"),
        (b"[]", "application/json"),
    ],
)
async def test_a_malformed_body_is_refused(svc: Service, content: bytes, content_type: str) -> None:
    before = await state(svc)
    headers = svc.admin | {"content-type": content_type}
    r = await svc.client.post("/districts", content=content, headers=headers)
    assert_refused(r, "body")
    assert await state(svc) == before


@pytest.mark.parametrize("joined_on", ["0000-01-01", "10000-01-01", "2025-02-30", "-1"])
async def test_a_date_out_of_range_is_refused(svc: Service, branch: str, joined_on: str) -> None:
    before = await state(svc)
    body = person(900) | {"joined_on": joined_on}
    r = await svc.client.post(f"/branches/{branch}/members", json=body, headers=svc.admin)
    assert_refused(r, "body", "joined_on")
    assert await state(svc) == before


async def test_an_upload_without_a_file_is_refused(svc: Service, branch: str) -> None:
    r = await svc.client.post(f"/branches/{branch}/imports", data={"other": MARK}, headers=svc.admin)
    assert_refused(r, "body", "file")
    r = await svc.client.post(f"/branches/{branch}/imports", headers=svc.admin)
    assert_refused(r, "body", "file")


async def test_a_csv_cell_with_control_characters_is_a_row_error(svc: Service, branch: str) -> None:
    good, bad = person(901), person(902)
    csv = "name,national_id,phone,employer,employment_type\n" + "\n".join(
        ",".join([p["name"], p["national_id"], p["phone"], employer, "regular"])
        for p, employer in [(good, "恒通物流"), (bad, f"恒通\x00{MARK}")]
    )
    files = {"file": (f"members\x00{MARK}.csv", csv.encode(), "text/csv")}
    r = await svc.client.post(f"/branches/{branch}/imports", files=files, headers=svc.admin)
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["created"], result["failed"]) == (1, 1)
    assert result["errors"] == [
        {"row": 2, "field": "employer", "reason": "must not contain control characters"}
    ]
    assert MARK not in r.text


async def test_an_idempotency_key_with_control_characters_is_refused(svc: Service) -> None:
    before = await state(svc)
    headers = svc.admin | {"Idempotency-Key": f"{MARK}\x01"}
    r = await svc.client.post("/districts", json={"code": "hi-idem", "name": "徐汇区"}, headers=headers)
    assert_refused(r, "body", "Idempotency-Key")
    assert await state(svc) == before


async def test_a_note_may_span_lines_but_a_reason_may_not(svc: Service, branch: str) -> None:
    r = await svc.client.post(f"/branches/{branch}/members", json=person(903), headers=svc.admin)
    assert r.status_code == 201, r.text
    member = r.json()["member_id"]
    r = await svc.client.post(
        f"/members/{member}/transfer",
        json={"to_branch_id": branch, "reason": f"a\n{MARK}"},
        headers=svc.admin,
    )
    assert_refused(r, "body", "reason")
    r = await svc.client.post(
        f"/members/{member}/leave", json={"reason": "other", "note": "第一行\n第二行"}, headers=svc.admin
    )
    assert r.status_code == 200, r.text
