"""Bulk import: 10,000 rows in one request, every row's MemberJoined on the topic; per-row errors
and the failed-rows CSV; the same file twice creates nobody twice."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from membership.demo import demo_branches, demo_members
from membership_testkit import (
    Service,
    assert_cloudevent,
    assert_no_personal_data,
    loop_stalls,
    new_district,
    person_id,
    phone,
)

DISTRICT = new_district("bulk")
HEADER = ["name", "national_id", "phone", "employer", "employment_type", "joined_on"]


@pytest.fixture(scope="module")
async def svc(membership_service: Any) -> AsyncIterator[Service]:
    async with membership_service([DISTRICT]) as service:
        yield service


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode()


async def upload(svc: Service, branch_id: str, data: bytes, name: str = "members.csv") -> Any:
    return await svc.client.post(
        f"/branches/{branch_id}/imports",
        headers=svc.officer(DISTRICT),
        files={"file": (name, data, "text/csv")},
    )


async def test_ten_thousand_rows_import_and_every_member_joined_is_published(svc: Service) -> None:
    branch_id = await svc.create_branch(DISTRICT, auto_approve=False)
    people = list(demo_members(demo_branches(), 10_000, seed=2026))
    rows = [
        [p.name, p.national_id, p.phone, p.employer, p.employment_type.value, str(p.joined_on)]
        for p in people
    ]
    data = to_csv(rows)

    started = time.perf_counter()
    async with loop_stalls() as stalls:
        r = await upload(svc, branch_id, data)
    imported = time.perf_counter() - started
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["rows"], result["created"], result["failed"]) == (10_000, 10_000, 0), result["errors"][:3]
    joined = await svc.events.wait("MemberJoined", count=10_000, within=90, branch_id=branch_id)
    published = time.perf_counter() - started
    print(
        f"\n10,000-row import: {imported:.2f}s in the request = {10_000 / imported:,.0f} rows/s; "
        f"all 10,000 MemberJoined read back after {published:.2f}s = {10_000 / published:,.0f} rows/s; "
        f"event loop blocked for at most {max(stalls) * 1000:.0f} ms at a time"
    )
    assert len({j.data["member_id"] for j in joined}) == 10_000
    assert {j.data["channel"] for j in joined} == {"bulk_import"}
    assert_cloudevent(joined[0], DISTRICT)
    assert_no_personal_data(
        joined[:500], [p.national_id for p in people[:500]] + [p.phone for p in people[:500]]
    )

    again = await upload(svc, branch_id, data, "members-again.csv")
    assert again.status_code == 200
    assert again.json()["import_id"] == result["import_id"] and again.json()["replayed"] is True
    assert again.json()["created"] == 10_000  # the first result, not a second import
    total = await svc.client.get(
        "/members", params={"branch_id": branch_id, "page_size": 1}, headers=svc.admin
    )
    assert total.json()["total"] == 10_000
    # The same people in a different file: refused row by row, nobody created.
    r = await upload(svc, branch_id, to_csv([*rows[:50], rows[0]]))
    assert (r.json()["created"], r.json()["failed"]) == (0, 51)
    assert {e["field"] for e in r.json()["errors"]} == {"national_id"}
    assert len(svc.events.of("MemberJoined", branch_id=branch_id)) == 10_000


async def test_row_errors_are_reported_and_downloadable_as_csv(svc: Service) -> None:
    branch_id = await svc.create_branch(DISTRICT)
    bad_checksum = person_id(2)[:-1] + ("0" if person_id(2)[-1] != "0" else "1")
    data = to_csv(
        [
            ["王芳", person_id(1), phone(1), "上海华誉电子科技有限公司", "regular", "2024-03-01"],
            ["李强", bad_checksum, phone(2), "上海华誉电子科技有限公司", "regular", ""],
            ["赵敏", person_id(3), phone(3), "上海华誉电子科技有限公司", "boss", ""],
            ["孙丽", person_id(1), phone(4), "上海华誉电子科技有限公司", "migrant", ""],
            ["周杰", person_id(5), "12345", "", "灵活就业", ""],
            ["吴涛", person_id(6), phone(6), "上海华誉电子科技有限公司", "农民工", "2025/7/1"],
        ]
    )
    r = await upload(svc, branch_id, data)
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["rows"], result["created"], result["failed"]) == (6, 2, 4)
    by_row = {(e["row"], e["field"]) for e in result["errors"]}
    assert by_row == {
        (2, "national_id"),
        (3, "employment_type"),
        (4, "national_id"),
        (5, "phone"),
        (5, "employer"),
    }
    assert bad_checksum not in r.text
    assert result["failed_rows_url"] == f"/imports/{result['import_id']}/failed-rows.csv"

    download = await svc.client.get(result["failed_rows_url"], headers=svc.officer(DISTRICT))
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].startswith("attachment")
    failed = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [f["name"] for f in failed] == ["李强", "赵敏", "孙丽", "周杰"]
    assert failed[0]["field"] == "national_id" and "checksum" in failed[0]["reason"]
    assert "duplicate of row 1" in failed[2]["reason"]
    assert (
        await svc.client.get(result["failed_rows_url"], headers=svc.officer("elsewhere"))
    ).status_code == 403

    members = await svc.client.get("/members", params={"branch_id": branch_id}, headers=svc.admin)
    assert sorted(m["name"] for m in members.json()["items"]) == ["吴涛", "王芳"]
    assert {m["employment_type"] for m in members.json()["items"]} == {"regular", "migrant"}
    await svc.events.wait("MemberJoined", count=2, branch_id=branch_id)


async def test_unusable_file_and_unknown_branch(svc: Service) -> None:
    branch_id = await svc.create_branch(DISTRICT)
    r = await upload(svc, branch_id, b"name,phone\n\xe5\xbc\xa0,139\n")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "file"]
    assert "missing column" in r.json()["detail"][0]["msg"]
    r = await svc.client.post(
        "/branches/no-such-branch/imports",
        headers=svc.admin,
        files={"file": ("x.csv", to_csv([]), "text/csv")},
    )
    assert r.status_code == 404


async def test_a_failure_in_a_later_piece_leaves_nothing_of_the_import(
    svc: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from membership.adapters import bulk

    branch_id = await svc.create_branch(DISTRICT)
    people = list(demo_members(demo_branches(), 2_500, seed=77))
    data = to_csv([[p.name, p.national_id, p.phone, p.employer, p.employment_type.value, ""] for p in people])
    copy_outbox, calls = bulk.copy_outbox, []

    async def fail_on_the_second_piece(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 2:  # the first piece's members, history and events are already written
            raise RuntimeError("injected: the database went away")
        await copy_outbox(*args)

    monkeypatch.setattr(bulk, "copy_outbox", fail_on_the_second_piece)
    with pytest.raises(RuntimeError, match="injected"):
        await upload(svc, branch_id, data)
    monkeypatch.setattr(bulk, "copy_outbox", copy_outbox)

    again = await upload(svc, branch_id, data)  # not a replay: the first import left no record
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["replayed"]) == (2_500, False)
    total = await svc.client.get(
        "/members", params={"branch_id": branch_id, "page_size": 1}, headers=svc.admin
    )
    assert total.json()["total"] == 2_500
    joined = await svc.events.wait("MemberJoined", count=2_500, within=60, branch_id=branch_id)
    assert len({j.data["member_id"] for j in joined}) == 2_500
    assert {j.data["member_id"] for j in svc.events.of("MemberJoined", branch_id=branch_id)} == {
        j.data["member_id"] for j in joined
    }
