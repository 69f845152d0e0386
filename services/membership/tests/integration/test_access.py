"""Who may do what in the membership service, over the real database and broker: the role ×
area table on every route, the operator's masked view, branch scope on both ends of a transfer,
and the audit trail (actor in the events and in the member's history)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from membership.entrypoints.http.access import ACCESS
from membership.main import build_app
from membership.settings import DEV_NATIONAL_ID_KEY, MembershipSettings
from membership_testkit import Service, new_district, person_id, phone
from pydantic import ValidationError
from unionfed_chassis import contact_seal
from unionfed_chassis.access import Permission, route_guards, unguarded_routes
from unionfed_chassis.auth import Role

EAST = new_district("acce")
WEST = new_district("accw")

ADMIN, DISTRICT, BRANCH, OPERATOR = (
    Role.FEDERATION_ADMIN,
    Role.DISTRICT_OFFICER,
    Role.BRANCH_OFFICER,
    Role.OPERATOR,
)
EVERY_ROLE = {ADMIN, DISTRICT, BRANCH, OPERATOR}
OFFICERS = {ADMIN, DISTRICT, BRANCH}

# Who may call each guarded route, written out by hand: the table in `access.py` must produce
# exactly this, and a new guarded route must be added here (the test lists the ones missing).
EXPECTED: dict[str, set[Role]] = {
    "POST /districts": {ADMIN},
    "GET /districts": EVERY_ROLE,
    "POST /branches": {ADMIN, DISTRICT},
    "GET /branches": EVERY_ROLE,
    "GET /branches/{branch_id}": EVERY_ROLE,
    "POST /branches/{branch_id}/close": {ADMIN, DISTRICT},
    "GET /applications": EVERY_ROLE,
    "GET /applications/{application_id}": EVERY_ROLE,
    "POST /applications/{application_id}/approve": OFFICERS,
    "POST /applications/{application_id}/reject": OFFICERS,
    "POST /branches/{branch_id}/members": OFFICERS,
    "POST /branches/{branch_id}/imports": OFFICERS,
    "GET /imports/{import_id}": EVERY_ROLE,
    "GET /imports/{import_id}/failed-rows.csv": OFFICERS,  # full IDs as typed: not for readers
    "GET /members": EVERY_ROLE,
    "GET /members/{member_id}": EVERY_ROLE,
    "GET /members/{member_id}/history": EVERY_ROLE,
    "POST /members/{member_id}/transfer": OFFICERS,
    "POST /members/{member_id}/leave": OFFICERS,
    "POST /members/{member_id}/reinstate": OFFICERS,
    "PATCH /members/{member_id}/contact": OFFICERS,
    "POST /members/{member_id}/erasure": {ADMIN, DISTRICT},
    "POST /contact-points/republish": {ADMIN},
    "GET /stats/coverage": EVERY_ROLE,
    "GET /stats/monthly": EVERY_ROLE,
    "POST /branch-systems": {ADMIN, DISTRICT},
    "GET /branch-systems": EVERY_ROLE,
    "GET /branch-systems/{system_id}": EVERY_ROLE,
    "PUT /branch-systems/{system_id}/branches": {ADMIN, DISTRICT},
}


def development_settings(**overrides: Any) -> MembershipSettings:
    return MembershipSettings(environment="development", log_level="WARNING", **overrides)


def guarded_routes(app: Any) -> dict[str, Permission]:
    """Every route behind membership's access table ("METHOD /path") with its (area, action). The
    chassis' platform routes (`/platform/…`, each service's outbox) answer to the chassis' own
    table, whose roles its tests check."""
    return {
        name: guard
        for name, guard in route_guards(app).items()
        if isinstance(guard, Permission) and not name.split(" ", 1)[1].startswith("/platform/")
    }


def test_every_route_is_public_or_checked_and_the_walk_sees_a_forgotten_one() -> None:
    app = build_app(development_settings())
    assert unguarded_routes(app) == []

    @app.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    assert unguarded_routes(app) == ["GET /forgotten"]


def test_the_table_gives_exactly_the_expected_roles_each_route() -> None:
    routes = guarded_routes(build_app(development_settings()))
    assert set(routes) == set(EXPECTED), "add new guarded routes to EXPECTED (and say who may call them)"
    for name, permission in routes.items():
        assert ACCESS.roles_allowed(permission) == EXPECTED[name], name


def test_everything_the_operator_can_reach_carries_masked_personal_data_only() -> None:
    """Walks the response schemas (OpenAPI, $refs resolved) of every route the operator may call:
    JSON only, and any property about an ID number or a phone is a masked form."""
    app = build_app(development_settings())
    spec = app.openapi()
    reachable = [name for name, p in guarded_routes(app).items() if ACCESS.allows(OPERATOR, p)]
    assert reachable, "the operator reads something"
    for name in reachable:
        method, path = name.split(" ", 1)
        operation = spec["paths"][path][method.lower()]
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            assert set(response.get("content", {})) == {"application/json"}, f"{name}: not JSON"
            names = _property_names(response["content"]["application/json"]["schema"], spec)
            personal = {n for n in names if re.search(r"national_id|phone|id_number", n)}
            assert all(n.endswith("_masked") for n in personal), (name, personal)


def _property_names(schema: Any, spec: dict[str, Any], seen: set[str] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    if isinstance(schema, list):
        return set().union(*(_property_names(s, spec, seen) for s in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    names: set[str] = set()
    if ref := schema.get("$ref"):
        if ref in seen:
            return names
        seen.add(ref)
        target = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        return _property_names(target, spec, seen)
    names |= set(schema.get("properties", {}))
    for value in schema.values():
        if isinstance(value, dict | list):
            names |= _property_names(value, spec, seen)
    return names


def test_the_dev_national_id_key_needs_explicit_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NATIONAL_ID_KEY", raising=False)
    jwks = {
        "jwt_jwks_url": "https://idp.example/jwks.json",
        "contact_public_key": contact_seal.public_key_of(contact_seal.new_private_key()),
    }
    with pytest.raises(ValidationError, match=r"NATIONAL_ID_KEY .*ENVIRONMENT=development"):
        MembershipSettings(environment="production", **jwks)
    with pytest.raises(ValidationError, match="NATIONAL_ID_KEY"):
        MembershipSettings(environment="production", national_id_key=DEV_NATIONAL_ID_KEY, **jwks)
    assert MembershipSettings(environment="production", national_id_key="ab" * 32, **jwks).national_id_key
    assert development_settings().national_id_key == DEV_NATIONAL_ID_KEY


def test_the_dev_contact_key_needs_explicit_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTACT_PUBLIC_KEY", raising=False)
    production = {"jwt_jwks_url": "https://idp.example/jwks.json", "national_id_key": "ab" * 32}
    with pytest.raises(ValidationError, match=r"CONTACT_PUBLIC_KEY .*ENVIRONMENT=development"):
        MembershipSettings(environment="production", **production)
    with pytest.raises(ValidationError, match="32-byte"):
        MembershipSettings(environment="development", contact_public_key="c2hvcnQ=")
    own = contact_seal.public_key_of(contact_seal.new_private_key())
    assert MembershipSettings(environment="production", contact_public_key=own, **production).vault()


# ---------------------------------------------------------------- over the running service


@pytest.fixture(scope="module")
async def svc(membership_service: Any) -> AsyncIterator[Service]:
    async with membership_service([EAST, WEST]) as service:
        yield service


@pytest.fixture(scope="module")
async def units(svc: Service) -> dict[str, str]:
    return {
        "a": await svc.create_branch(EAST),
        "b": await svc.create_branch(EAST),
        "w": await svc.create_branch(WEST),
    }


def tokens(svc: Service, branch: str) -> dict[Role, dict[str, str]]:
    return {
        ADMIN: svc.admin,
        DISTRICT: svc.officer(EAST),
        BRANCH: svc.token("branch_officer", EAST, branch),
        OPERATOR: svc.token("operator"),
    }


async def register(svc: Service, branch: str, n: int, headers: dict[str, str] | None = None) -> str:
    body = {
        "name": "王芳",
        "national_id": person_id(n),
        "phone": phone(n),
        "employer": "上海浦江物业有限公司",
        "employment_type": "regular",
    }
    r = await svc.client.post(f"/branches/{branch}/members", json=body, headers=headers or svc.admin)
    assert r.status_code == 201, r.text
    return str(r.json()["member_id"])


async def test_every_guarded_route_refuses_exactly_the_roles_the_table_refuses(
    svc: Service, units: dict[str, str]
) -> None:
    """Each route with each role, the branch officer's own branch in the path and unknown ids
    elsewhere: a refused role gets 403 before anything runs; an allowed one gets past the table
    (its answer is then about the request: 200, 404 for an unknown id, 422 for an empty body)."""
    headers = tokens(svc, units["a"])
    values = {"branch_id": units["a"]}
    for name, allowed in EXPECTED.items():
        method, template = name.split(" ", 1)
        path = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), str(uuid.uuid4())), template)
        assert (await svc.client.request(method, path)).status_code == 401, name
        for role, auth in headers.items():
            body = {} if method in ("POST", "PATCH") and not path.endswith("/imports") else None
            r = await svc.client.request(method, path, json=body, headers=auth)
            if role in allowed:
                assert r.status_code not in (401, 403, 500), (name, role, r.status_code, r.text)
            else:
                assert r.status_code == 403, (name, role, r.status_code, r.text)
                assert "may not" in r.json()["detail"]


async def test_the_operator_sees_masked_forms_only(svc: Service, units: dict[str, str]) -> None:
    mid = await register(svc, units["a"], 301)
    operator = svc.token("operator")
    member = await svc.client.get(f"/members/{mid}", headers=operator)
    assert member.status_code == 200
    text = member.text + (await svc.client.get("/members", headers=operator)).text
    assert person_id(301) not in text and phone(301) not in text
    assert member.json()["national_id_masked"].count("*") >= 8


async def test_a_transfer_needs_scope_over_both_branches(svc: Service, units: dict[str, str]) -> None:
    a, b, w = units["a"], units["b"], units["w"]
    mid = await register(svc, a, 302)
    officer_a = svc.token("branch_officer", EAST, a)
    officer_b = svc.token("branch_officer", EAST, b)

    # Out of one's branch into another, or into one's own branch from another: both refused.
    for who in (officer_a, officer_b):
        r = await svc.client.post(f"/members/{mid}/transfer", json={"to_branch_id": b}, headers=who)
        assert r.status_code == 403, r.text
    # Across districts: the district officer of one end alone cannot.
    r = await svc.client.post(f"/members/{mid}/transfer", json={"to_branch_id": w}, headers=svc.officer(EAST))
    assert r.status_code == 403, r.text
    unchanged = (await svc.client.get(f"/members/{mid}", headers=svc.admin)).json()
    assert (unchanged["branch_id"], unchanged["version"]) == (a, 1), "refusals changed nothing"
    assert not svc.events.of("MemberTransferred", member_id=mid)

    # The district officer covers both branches of the district.
    r = await svc.client.post(f"/members/{mid}/transfer", json={"to_branch_id": b}, headers=svc.officer(EAST))
    assert r.status_code == 200 and r.json()["branch_id"] == b, r.text
    # Reinstating into a branch outside one's scope is refused the same way.
    await svc.client.post(f"/members/{mid}/leave", json={"reason": "retired"}, headers=officer_b)
    r = await svc.client.post(f"/members/{mid}/reinstate", json={"branch_id": a}, headers=officer_b)
    assert r.status_code == 403, r.text


async def test_who_did_it_is_in_the_events_and_in_the_history(svc: Service, units: dict[str, str]) -> None:
    a = units["a"]
    registrar = svc.token("branch_officer", EAST, a, subject="officer-a-17")
    mid = await register(svc, a, 303, headers=registrar)
    officer = svc.token("district_officer", EAST, subject="officer-east-2")
    r = await svc.client.post(f"/members/{mid}/transfer", json={"to_branch_id": units["b"]}, headers=officer)
    assert r.status_code == 200, r.text
    r = await svc.client.post(f"/members/{mid}/leave", json={"reason": "retired"}, headers=svc.admin)
    assert r.status_code == 200, r.text

    def actor(record: Any) -> tuple[str, str]:
        return record.headers["ce_actor"], record.headers["ce_actorrole"]

    (joined,) = await svc.events.wait("MemberJoined", member_id=mid)
    transferred = await svc.events.wait("MemberTransferred", member_id=mid)
    (left,) = await svc.events.wait("MemberLeft", member_id=mid)
    assert actor(joined) == ("officer-a-17", "branch_officer")
    assert {actor(t) for t in transferred} == {("officer-east-2", "district_officer")}
    assert actor(left) == ("test", "federation_admin")

    history = (await svc.client.get(f"/members/{mid}/history", headers=officer)).json()
    assert [(h["kind"], h["actor"], h["actor_role"]) for h in history] == [
        ("joined", "officer-a-17", "branch_officer"),
        ("transferred", "officer-east-2", "district_officer"),
        ("left", "test", "federation_admin"),
    ]


async def test_a_branch_systems_registration_is_recorded_as_the_branch_systems(
    svc: Service, units: dict[str, str]
) -> None:
    """The consumer acts as the registered branch system whose topic the request came on."""
    from aiokafka import AIOKafkaProducer
    from membership_testkit import EventReader
    from unionfed_events import Envelope
    from unionfed_events import membership as ev

    system_id = f"acme-{uuid.uuid4().hex[:6]}"
    body = {"system_id": system_id, "district": EAST, "name": "ACME HR", "branch_ids": [units["a"]]}
    registered = await svc.client.post("/branch-systems", json=body, headers=svc.admin)
    assert registered.status_code == 201, registered.text
    replies = EventReader(svc.settings.kafka_bootstrap_servers, [registered.json()["replies_topic"]])
    await replies.start()
    request = ev.MemberRegistrationRequested(
        request_id=f"req-{uuid.uuid4().hex[:12]}",
        branch_id=units["a"],
        name="赵磊",
        national_id=person_id(304),
        phone=phone(304),
        employer="上海浦江物业有限公司",
        employment_type=ev.EmploymentType.REGULAR,
    )
    envelope = Envelope.wrap(request, source="/branch-system/acme", district=EAST)
    producer = AIOKafkaProducer(
        bootstrap_servers=svc.settings.kafka_bootstrap_servers,
        enable_idempotence=svc.settings.kafka_enable_idempotence,
    )
    await producer.start()
    try:
        await producer.send_and_wait(
            registered.json()["inbound_topic"], envelope.data, key=envelope.key, headers=envelope.headers()
        )
    finally:
        await producer.stop()
    try:
        (answer,) = await replies.wait("MemberRegistrationAnswered", within=90, request_id=request.request_id)
    finally:
        await replies.stop()
    assert answer.data["outcome"] == "accepted", answer.data
    (joined,) = await svc.events.wait("MemberJoined", member_id=answer.data["member_id"])
    expected = (f"{EAST}:{system_id}", "branch_system")
    for record in (answer, joined):
        assert (record.headers["ce_actor"], record.headers["ce_actorrole"]) == expected
    history = (await svc.client.get(f"/members/{answer.data['member_id']}/history", headers=svc.admin)).json()
    assert [(h["actor"], h["actor_role"]) for h in history] == [expected]
