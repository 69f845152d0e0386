"""The events API over the real index: filters (SQL columns, headers, jq on the rows), keyset
pages, a district officer's scope, bad filters, the export, one event, masking on the way out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from console_testkit import Console, new_district
from indexed_rows import indexed, write


@pytest.fixture(scope="module")
async def console(console_service: Any) -> Any:
    async with console_service() as svc:
        yield svc


async def events(
    console: Console, headers: dict[str, str] | None = None, **params: Any
) -> list[dict[str, Any]]:
    response = await console.client.get("/api/events", params=params, headers=headers or console.operator)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_each_filter_narrows_the_events(console: Console) -> None:
    d, other = new_district(), new_district()
    joined = indexed(
        d, "MemberJoined", member_id="m-1", branch_id=f"{d}-b1", payload={"industry": "construction"}
    )
    aid = indexed(
        d,
        "AidRequested",
        member_id="m-1",
        branch_id=f"{d}-b2",
        correlation_id=joined.correlation_id,
        causation_id=joined.event_id,
        actor="op-7",
        headers={"ce_actor": "op-7"},
        payload={"amount": 800, "category": "illness"},
    )
    elsewhere = indexed(other, "MemberJoined", member_id="m-2", payload={"industry": "mining"})
    await write(console.engine, joined, aid, elsewhere)

    def ids(items: list[dict[str, Any]]) -> list[str | None]:
        return [i["event_id"] for i in items]

    assert ids(await events(console, district=d)) == [aid.event_id, joined.event_id]
    assert ids(await events(console, district=d, type="MemberJoined")) == [joined.event_id]
    assert ids(await events(console, district=d, type="org.unionfed.assistance.AidRequested.v1")) == [
        aid.event_id
    ]
    assert ids(await events(console, district=d, branch=f"{d}-b2")) == [aid.event_id]
    assert ids(await events(console, subject="m-2", district=other)) == [elsewhere.event_id]
    assert ids(await events(console, correlation=joined.correlation_id)) == [aid.event_id, joined.event_id]
    assert ids(await events(console, district=d, header="ce_actor=op-7")) == [aid.event_id]
    assert ids(await events(console, district=d, jq=".amount > 500")) == [aid.event_id]
    assert ids(await events(console, district=d, jq='.industry == "construction"')) == [joined.event_id]
    both = await events(console, type=["MemberJoined"], jq='.industry | test("^min")')
    assert elsewhere.event_id in ids(both) and joined.event_id not in ids(both)


async def test_pages_go_back_by_row_id_without_gaps_or_repeats(console: Console) -> None:
    d = new_district()
    await write(console.engine, *[indexed(d, "MemberJoined", member_id=f"m-{n}") for n in range(7)])
    seen: list[int] = []
    before = None
    while True:
        params: dict[str, Any] = {"district": d, "limit": 3, **({"before": before} if before else {})}
        page = (await console.client.get("/api/events", params=params, headers=console.operator)).json()
        seen += [i["id"] for i in page["items"]]
        before = page["next_before"]
        if before is None:
            break
    assert len(seen) == 7
    assert seen == sorted(seen, reverse=True)


async def test_a_district_officer_sees_only_their_district(console: Console) -> None:
    d, other = new_district(), new_district()
    await write(console.engine, indexed(d, "MemberJoined", member_id="m-a"), indexed(other, "MemberJoined"))
    mine = await events(console, console.district_officer(d))
    assert {i["district"] for i in mine} == {d}
    refused = await console.client.get(
        "/api/events", params={"district": other}, headers=console.district_officer(d)
    )
    assert refused.status_code == 403
    for path in ("/api/events/export", "/api/events/stream"):
        response = await console.client.get(
            path, params={"district": other}, headers=console.district_officer(d)
        )
        assert response.status_code == 403, path


async def test_another_districts_event_is_not_found_for_an_officer(console: Console) -> None:
    d, other = new_district(), new_district()
    theirs = indexed(other, "MemberJoined")
    await write(console.engine, theirs)
    row_id = (await events(console, district=other))[0]["id"]
    assert (await console.client.get(f"/api/events/{row_id}", headers=console.operator)).status_code == 200
    hidden = await console.client.get(f"/api/events/{row_id}", headers=console.district_officer(d))
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"jq": ".a |||"}, "jq"),
        ({"jq": "[range(1e9)]"}, "jq"),
        ({"header": "no-equals-sign"}, "header"),
        ({"district": "Not A District"}, "district"),
        ({"type": "1-not-a-type"}, "type"),
    ],
)
async def test_a_bad_filter_is_a_422_naming_its_field(
    console: Console, params: dict[str, str], field: str
) -> None:
    for path in ("/api/events", "/api/events/export", "/api/events/stream", "/stream"):
        response = await console.client.get(path, params=params, headers=console.operator)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", field]


async def test_the_export_streams_the_filtered_set_as_json_lines(console: Console) -> None:
    d = new_district()
    joins = [indexed(d, "MemberJoined", member_id=f"m-{n}", payload={"name": "王小明"}) for n in range(5)]
    await write(console.engine, *joins, indexed(d, "MemberLeft", member_id="m-0"))
    response = await console.client.get(
        "/api/events/export", params={"district": d, "type": "MemberJoined"}, headers=console.operator
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["content-disposition"].startswith('attachment; filename="unionfed-events-')
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["event_id"] for line in lines] == [j.event_id for j in reversed(joins)]
    assert lines[0]["payload"] == {"name": "王小明"}
    limited = await console.client.get(
        "/api/events/export", params={"district": d, "limit": 2}, headers=console.operator
    )
    assert len(limited.text.splitlines()) == 2


async def test_personal_identifiers_are_masked_on_the_way_out(console: Console) -> None:
    d = new_district()
    slipped = indexed(
        d,
        "MemberJoined",
        payload={"national_id": "110101199003071234", "note": "call 13812345678", "name": "李四"},
        headers={"x-note": "id 110101199003071234"},
    )
    await write(console.engine, slipped)
    item = (await events(console, district=d))[0]
    text = json.dumps(item, ensure_ascii=False)
    assert "110101199003071234" not in text and "13812345678" not in text
    assert item["payload"]["name"] == "李四"
    assert item["payload"]["national_id"] == "1101**********1234"


async def test_row_ids_past_the_index_range_are_refused_or_absent_never_an_error(console: Console) -> None:
    too_big = await console.client.get("/api/events/99999999999999999999", headers=console.operator)
    assert too_big.status_code == 422
    absent = await console.client.get(f"/api/events/{2**63 - 1}", headers=console.operator)
    assert absent.status_code == 404
    paged = await console.client.get("/api/events", params={"before": 2**63}, headers=console.operator)
    assert paged.status_code == 422
    assert paged.json()["detail"][0]["loc"] == ["query", "before"]


async def test_a_jq_filter_stops_after_its_scan_limit_with_a_cursor_to_go_on(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.adapters import event_queries
    from console.entrypoints.http import stream

    d = new_district()
    await write(console.engine, indexed(d, "MemberJoined", payload={"rare": True}))
    await write(console.engine, *[indexed(d, "MemberJoined", payload={"rare": False}) for _ in range(30)])
    monkeypatch.setattr(event_queries, "BATCH", 5)
    monkeypatch.setattr(stream, "SCAN_LIMIT", 10)
    params: dict[str, Any] = {"district": d, "jq": ".rare"}
    first = (await console.client.get("/api/events", params=params, headers=console.operator)).json()
    assert first["items"] == [] and first["scanned"] == 10 and first["next_before"] is not None
    found: list[dict[str, Any]] = []
    while True:
        page = (await console.client.get("/api/events", params=params, headers=console.operator)).json()
        found += page["items"]
        if page["next_before"] is None:
            break
        params["before"] = page["next_before"]
    assert [i["payload"] for i in found] == [{"rare": True}]


async def test_the_stream_page_keeps_a_district_officer_in_their_district(console: Console) -> None:
    d, other = new_district(), new_district()
    await write(
        console.engine, indexed(d, "MemberJoined", payload={"name": "周杰"}), indexed(other, "MemberJoined")
    )
    token = console.district_officer(d)["Authorization"].removeprefix("Bearer ")
    cookie = {"Cookie": f"{console.settings.session_cookie}={token}"}
    page = await console.client.get("/stream", headers=cookie)
    assert page.status_code == 200
    assert "name=周杰" in page.text
    assert f'data-district="{other}"' not in page.text
    assert f"district={d}" in page.text  # the live stream's and the export's links carry it
    assert (
        await console.client.get("/stream", params={"district": other}, headers=cookie)
    ).status_code == 403
