"""Hostile inputs against every operation of the running campaigns service, generated from its
OpenAPI document (so routes added later are covered without a test of their own): ids that are
not ids, pages past the end, parameters with control characters, bodies that are not objects,
fields of the wrong type, unknown fields, oversized bodies and SQL-looking text. Each gets a
4xx (422 naming the field, or 404 for an unknown id), never a 500, never an echo of the value,
and a refused request changes nothing in the service's database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from campaign_rows import campaign_row
from campaigns.adapters.orm import members
from campaigns_testkit import Campaigns, new_district
from openapi_walk import OPERATIONS, Operation, Parameter, constrained, not_null, pair_id, with_parameter
from unionfed_chassis.inputs import MAX_PAGE
from unionfed_events import membership as mev

# Every hostile value carries this marker, so an echo of it in a response is easy to find.
MARK = "Zq7Marker"
SQL = f"'; DROP TABLE members; -- {MARK}' OR '1'='1"
OVERSIZED = 2_000_000  # characters of one text field: far past any limit, small enough to send


@dataclass
class World:
    svc: Campaigns
    district: str
    branch: str
    member_id: uuid.UUID
    campaign_id: uuid.UUID

    def path(self, op: Operation, **values: str) -> str:
        """The operation's path with its parameters filled: the world's campaign, member,
        district and branch where named so, a fresh id otherwise; `values` override."""
        known = {
            "campaign_id": str(self.campaign_id),
            "member_id": str(self.member_id),
            "district": self.district,
            "branch_id": self.branch,
        }
        path = op.path
        for p in op.path_parameters:
            fresh = str(uuid.uuid4()) if p.is_uuid else "x"
            path = path.replace("{" + p.name + "}", values.get(p.name, known.get(p.name, fresh)))
        return path


@pytest.fixture(scope="module")
async def world(campaigns_service: Callable[..., Any]) -> AsyncIterator[World]:
    district = new_district("hi")
    async with campaigns_service([district]) as svc:
        branch = await svc.feed.branch(district, industry="construction")
        member = await svc.member(
            district,
            branch,
            industry="construction",
            employment_type=mev.EmploymentType.MIGRANT,
            birth_year=1990,
        )
        campaign = await campaign_row(svc, owner_district=district, audience=[member], capacity=10)
        yield World(svc, district, branch, member, campaign)


# Applied from other services' events, never by a request: the service's consumers may still be
# reading the topics' history (other tests' districts) while these tests run.
FED_BY_EVENTS = {"members", "branches", "hardship_view", "inbox"}
# The relay marks rows published as it goes: what a request could change is how many there are.
COUNTED_ONLY = {"outbox", "outbox_parked"}


async def state(w: World) -> dict[str, str]:
    """Every table a request can change, as a digest of its rows: what a refused request must
    leave as it was."""
    digests = {}
    async with w.svc.engine.connect() as conn:
        tables = (
            await conn.execute(
                sa.text(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                    " AND table_name <> 'alembic_version' ORDER BY table_name"
                )
            )
        ).scalars()
        for table in set(tables) - FED_BY_EVENTS:
            quoted = '"' + table.replace('"', '""') + '"'
            rows = (
                "''"
                if table in COUNTED_ONLY
                else "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            )
            digest = f"SELECT count(*) || ':' || {rows} FROM {quoted} t"
            digests[table] = (await conn.execute(sa.text(digest))).scalar_one()
    return digests


async def world_member_count(w: World) -> int:
    """The world's own members in the view (the table is there and untouched by a request)."""
    async with w.svc.engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(members).where(members.c.district == w.district)
        return int((await conn.execute(query)).scalar_one())


async def call(w: World, op: Operation, path: str, **kw: Any) -> Any:
    r = await w.svc.client.request(op.method.upper(), path, headers=w.svc.admin | kw.pop("headers", {}), **kw)
    assert r.status_code < 500, f"{op}: {r.status_code} {r.text[:300]}"
    assert MARK not in r.text, f"{op} echoes the input: {r.text[:300]}"
    return r


def assert_named(r: Any, *loc: str) -> None:
    assert r.status_code == 422, r.text[:300]
    locs = [e["loc"] for e in r.json()["detail"]]
    assert any(found[: len(loc)] == list(loc) for found in locs), (loc, locs)


def ids(values: list[Any]) -> list[str]:
    return [
        "-".join(pair_id(v) for v in (value if isinstance(value, tuple) else (value,))) for value in values
    ]


PATH_PARAMETERS = with_parameter(OPERATIONS, "path")


@pytest.mark.parametrize(("op", "parameter"), PATH_PARAMETERS, ids=ids(PATH_PARAMETERS))
async def test_a_hostile_path_parameter_is_refused_by_name(
    world: World, op: Operation, parameter: Parameter
) -> None:
    before = await state(world) if op.changes_state else None
    body = {"json": {}} if op.body is not None else {}
    r = await call(world, op, world.path(op, **{parameter.name: f"{MARK}%01"}), **body)
    if constrained(parameter.schema):
        assert_named(r, "path", parameter.name)
    else:  # free text in a path: nothing of that name exists
        assert r.status_code in (404, 422), r.text[:300]
    if before is not None:
        assert await state(world) == before


READS_BY_ID = [
    op
    for op in OPERATIONS
    if op.method == "get"
    and op.path_parameters
    and all(p.is_uuid for p in op.path_parameters)
    and not any(p.required for p in op.query_parameters)
]


@pytest.mark.parametrize("op", READS_BY_ID, ids=ids(READS_BY_ID))
async def test_an_unknown_id_is_404(world: World, op: Operation) -> None:
    fresh = {p.name: str(uuid.uuid4()) for p in op.path_parameters}
    r = await call(world, op, world.path(op, **fresh))
    assert r.status_code == 404, r.text[:300]


PAGED = [op for op in OPERATIONS if {"page", "page_size"} <= {p.name for p in op.query_parameters}]


@pytest.mark.parametrize("op", PAGED, ids=ids(PAGED))
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=100000000000000000000", "page"),  # past int64
        (f"page={MAX_PAGE + 1}", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("page_size=100000", "page_size"),
        ("page_size=0", "page_size"),
    ],
)
async def test_a_page_out_of_range_is_refused_by_name(
    world: World, op: Operation, query: str, field: str
) -> None:
    r = await call(world, op, f"{world.path(op)}?{query}")
    assert_named(r, "query", field)


@pytest.mark.parametrize("op", PAGED, ids=ids(PAGED))
async def test_the_last_page_allowed_is_empty_not_an_error(world: World, op: Operation) -> None:
    r = await call(world, op, f"{world.path(op)}?page={MAX_PAGE}")
    if r.status_code == 200:
        assert r.json()["items"] == [], r.text[:300]
    else:  # the path's own ids were refused (404), not the page
        assert r.status_code == 404, r.text[:300]


CHECKED_QUERY = with_parameter(OPERATIONS, "query", lambda p: constrained(p.schema))


@pytest.mark.parametrize(("op", "parameter"), CHECKED_QUERY, ids=ids(CHECKED_QUERY))
async def test_a_query_parameter_of_the_wrong_shape_is_refused_by_name(
    world: World, op: Operation, parameter: Parameter
) -> None:
    before = await state(world) if op.changes_state else None
    r = await call(world, op, world.path(op), params={parameter.name: f"{MARK}\x01"})
    assert_named(r, "query", parameter.name)
    if before is not None:
        assert await state(world) == before


TEXT_QUERY = with_parameter(
    [op for op in OPERATIONS if not op.changes_state],
    "query",
    lambda p: any(
        s.get("type") == "string" and "enum" not in s and "format" not in s for s in not_null(p.schema)
    ),
)


@pytest.mark.parametrize(("op", "parameter"), TEXT_QUERY, ids=ids(TEXT_QUERY))
async def test_sql_in_a_text_filter_is_only_text(world: World, op: Operation, parameter: Parameter) -> None:
    r = await call(world, op, world.path(op), params={parameter.name: SQL})
    if r.status_code == 200 and isinstance(r.json(), dict) and "total" in r.json():
        assert r.json()["total"] == 0, r.text[:300]  # nothing is called that; the filter matched text
    else:
        assert r.status_code in (200, 404, 422), r.text[:300]
    assert await world_member_count(world) == 1


WITH_BODY = [op for op in OPERATIONS if op.body is not None]


@pytest.mark.parametrize("op", WITH_BODY, ids=ids(WITH_BODY))
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", "application/json"),
        (b'{"title": ', "application/json"),
        (b'{"title": "\\ud800' + MARK.encode() + b'"}', "application/json"),
        (b"null", "application/json"),
        (b"[]", "application/json"),
        (b"42", "application/json"),
        (MARK.encode(), "text/plain"),
    ],
)
async def test_a_body_that_is_not_an_object_is_refused(
    world: World, op: Operation, content: bytes, content_type: str
) -> None:
    before = await state(world)
    r = await call(world, op, world.path(op), content=content, headers={"content-type": content_type})
    if op.body_required or content.strip() not in (b"", b"null"):
        assert_named(r, "body")
    assert await state(world) == before


def _wrong_value(schema: dict[str, Any]) -> Any:
    """A value of none of the types the field accepts (None if it accepts anything)."""
    types = {s.get("type") for s in not_null(schema)}
    if None in types and not any({"enum", "const", "format", "pattern"} & s.keys() for s in not_null(schema)):
        return None
    return [MARK] if "object" in types else {"zq": MARK}


WRONG_TYPES = [
    (op, name) for op in WITH_BODY for name, schema in op.fields.items() if _wrong_value(schema) is not None
]


@pytest.mark.parametrize(("op", "field"), WRONG_TYPES, ids=ids(WRONG_TYPES))
async def test_a_field_of_the_wrong_type_is_refused_by_name(world: World, op: Operation, field: str) -> None:
    before = await state(world)
    r = await call(world, op, world.path(op), json={field: _wrong_value(op.fields[field])})
    assert_named(r, "body", field)
    assert await state(world) == before


@pytest.mark.parametrize("op", WITH_BODY, ids=ids(WITH_BODY))
async def test_unknown_fields_are_refused_or_ignored(world: World, op: Operation) -> None:
    before = await state(world)
    r = await call(world, op, world.path(op), json={"zq_unknown": MARK, "__class__": MARK, "$where": MARK})
    assert 400 <= r.status_code < 500, r.text[:300]
    if op.body is not None and op.body.get("additionalProperties") is False:
        assert_named(r, "body", "zq_unknown")
    assert await state(world) == before


@pytest.mark.parametrize("op", WITH_BODY, ids=ids(WITH_BODY))
async def test_an_oversized_body_is_refused(world: World, op: Operation) -> None:
    before = await state(world)
    huge = MARK + "界" * OVERSIZED
    body = {name: huge for name in op.fields} or {"zq": huge}
    r = await call(world, op, world.path(op), json=body)
    assert r.status_code in (413, 422, 404), r.text[:300]
    assert await state(world) == before


@pytest.mark.parametrize("op", WITH_BODY, ids=ids(WITH_BODY))
async def test_sql_in_every_text_field_is_refused_or_kept_as_text(world: World, op: Operation) -> None:
    before = await state(world)
    body = {
        name: SQL
        for name, schema in op.fields.items()
        if {"string"} & {s.get("type") for s in not_null(schema)}
    }
    r = await call(world, op, world.path(op), json=body)
    assert await world_member_count(world) == 1
    if r.status_code >= 400:
        assert await state(world) == before


async def test_the_members_of_another_district_stay_out_of_reach(world: World) -> None:
    """The member routes answer within the caller's scope: their own district's members, a 403
    for another district's, whatever filter or id they send."""
    svc, other = world.svc, world.svc.district_officer(new_district("hx"))
    mine = await svc.client.get(f"/members?district={world.district}", headers=svc.admin)
    assert mine.status_code == 200 and [m["member_id"] for m in mine.json()["items"]] == [
        str(world.member_id)
    ]
    assert "birth_year" not in mine.json()["items"][0]  # audiences use it; officers browsing need not see it
    own = await svc.client.get(f"/members/{world.member_id}", headers=svc.district_officer(world.district))
    assert own.status_code == 200 and own.json()["employment_type"] == "migrant", own.text
    for path in (
        f"/members/{world.member_id}",
        f"/members?district={world.district}",
        f"/members/counts?district={world.district}",
    ):
        assert (await svc.client.get(path, headers=other)).status_code == 403, path
    theirs = await svc.client.get("/members", headers=other)
    assert theirs.status_code == 200 and theirs.json()["total"] == 0, theirs.text
    counts = await svc.client.get(f"/members/counts?district={world.district}", headers=svc.admin)
    assert counts.json() == [{"district": world.district, "status": "active", "members": 1}]
