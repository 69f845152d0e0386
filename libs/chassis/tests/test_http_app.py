"""The app factory end to end: platform routes, bearer auth and scopes, Idempotency-Key."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from unionfed_chassis.access import READ, WRITE, AccessTable, read, write
from unionfed_chassis.app import ServiceDefinition, create_app
from unionfed_chassis.auth import Principal, Role, audience_of, issue_token
from unionfed_chassis.http import Public, RuntimeDep, UowDep
from unionfed_devstack.testing import wait_for
from unionfed_events import topics
from unionfed_events.membership import BranchEstablished

SECRET = "a-test-secret-that-is-long-enough-0123456789"
AUDIENCE = audience_of("chassis-http")
ACCESS = AccessTable(
    ["things"],
    {
        Role.FEDERATION_ADMIN: read("things") | write("things"),
        Role.DISTRICT_OFFICER: read("things") | write("things"),
        Role.OPERATOR: read("things"),
    },
)


class ThingIn(BaseModel):
    name: str


class Routes:
    """A tiny service: a public echo, district-scoped officer routes, and commands whose
    behaviour the tests steer (wait for a signal, fail with a 5xx, raise)."""

    def __init__(self, make_event: Callable[..., BranchEstablished]) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.calls: dict[str, int] = {"slow": 0, "flaky": 0, "crash": 0, "create": 0}
        router = APIRouter()

        @router.post("/public/echo", dependencies=[Public])
        async def echo(body: ThingIn) -> dict[str, str]:
            return {"echo": body.name}

        @router.get("/districts/{district}/things")
        async def list_things(
            district: str, principal: Annotated[Principal, ACCESS.allow("things", READ)], runtime: RuntimeDep
        ) -> dict[str, Any]:
            principal.check(district)
            async with runtime.engine.connect() as conn:
                n = await conn.scalar(
                    sa.text("SELECT count(*) FROM things WHERE district = :d"), {"d": district}
                )
            return {"district": district, "count": n}

        @router.post("/districts/{district}/things", status_code=201)
        async def create_thing(
            district: str,
            body: ThingIn,
            principal: Annotated[Principal, ACCESS.allow("things", WRITE)],
            uow: UowDep,
        ) -> dict[str, Any]:
            principal.check(district)
            self.calls["create"] += 1
            thing_id = await uow.session.scalar(
                sa.text("INSERT INTO things (district, name) VALUES (:d, :n) RETURNING id"),
                {"d": district, "n": body.name},
            )
            envelope = uow.emit(make_event(f"thing-{thing_id}", district, body.name), district=district)
            await uow.commit()
            return {"id": thing_id, "event_id": str(envelope.id)}

        @router.post("/public/districts/{district}/things", status_code=201, dependencies=[Public])
        async def suggest_thing(district: str, body: ThingIn, uow: UowDep) -> dict[str, Any]:
            uow.emit(make_event(f"suggested-{body.name}", district, body.name), district=district)
            await uow.commit()
            return {}

        @router.post("/public/slow", dependencies=[Public])
        async def slow(body: ThingIn) -> dict[str, Any]:
            self.calls["slow"] += 1
            self.started.set()
            await self.release.wait()
            return {"slow": body.name, "call": self.calls["slow"]}

        @router.post("/public/flaky", dependencies=[Public])
        async def flaky(body: ThingIn) -> Any:
            self.calls["flaky"] += 1
            if self.calls["flaky"] == 1:
                return JSONResponse({"detail": "try again"}, 503)
            return {"flaky": body.name, "call": self.calls["flaky"]}

        @router.post("/public/crash", dependencies=[Public])
        async def crash(body: ThingIn) -> dict[str, Any]:
            self.calls["crash"] += 1
            if self.calls["crash"] == 1:
                raise RuntimeError("unexpected")
            return {"crash": body.name, "call": self.calls["crash"]}

        self.router = router


@pytest.fixture
def restore_logging() -> Any:
    """create_app() installs the JSON log handler on the root logger; put pytest's back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def serve(make_settings, make_event, make_consumer, restore_logging) -> Any:  # type: ignore[no-untyped-def]
    """`async with serve(database_url, consumer_group=None) as (client, app, routes)`."""

    @contextlib.asynccontextmanager
    async def run(
        database_url: str, consumer_group: str | None = None, **overrides: Any
    ) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI, Routes]]:
        routes = Routes(make_event)
        overrides.setdefault("outbox_enabled", False)  # keep outbox rows where a test can count them
        overrides.setdefault("jwt_secret", SECRET)
        settings = make_settings(database_url, service_name="chassis-http", **overrides)

        def consumers(_settings: Any) -> list[Any]:
            if consumer_group is None:
                return []
            return [make_consumer(consumer_group, [topics.district_events("membership", "tapi")])]

        definition = ServiceDefinition(
            name="chassis-http",
            domain="membership",
            description="chassis test service",
            routers=[routes.router],
            consumers=consumers,
            publishes=[BranchEstablished],
        )
        app = create_app(definition, settings)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            yield client, app, routes

    return run


def bearer(
    role: str, district: str | None = None, subject: str | None = None, **claims: Any
) -> dict[str, str]:
    token = issue_token(
        SECRET, role=role, subject=subject or f"{role}-1", audience=AUDIENCE, district=district, **claims
    )
    return {"Authorization": f"Bearer {token}"}


async def test_platform_routes(db, serve, make_database, group) -> None:
    async with serve(db.url, consumer_group=group) as (client, _app, _routes):
        live = await client.get("/health/live")
        assert (live.status_code, live.json()) == (200, {"status": "ok"})

        ready = await client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok", "database": "ok", "broker": "ok", "consumers": {group: "ok"}}

        metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        assert "unionfed_events_staged_total" in metrics.text
        assert "unionfed_outbox_relay_leader" in metrics.text

        spec_response = await client.get("/asyncapi.json")
        assert spec_response.status_code == 200
        spec = json.loads(spec_response.text)
        assert str(spec.get("asyncapi", "")).startswith("3."), spec.get("asyncapi")
        assert f"{group}:consume" in spec_response.text, "the subscriber is described"
        assert BranchEstablished.ce_type() in spec_response.text, "the publication is described"

    missing_db = make_database("chassis").rsplit("/", 1)[0] + "/no_such_database_here"
    async with serve(missing_db) as (client, _app, _routes):
        assert (await client.get("/health/live")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "unavailable"
        assert (body["database"], body["broker"]) == ("unreachable", "ok")
        assert "no_such_database_here" not in ready.text, "no exception text in the answer"


async def test_bearer_auth_and_district_scope(db, serve, district) -> None:
    other = district + "-x"
    path = f"/districts/{district}/things"
    async with serve(db.url) as (client, _app, _routes):
        assert (await client.post("/public/echo", json={"name": "hi"})).json() == {"echo": "hi"}

        missing = await client.get(path)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert (await client.get(path, headers={"Authorization": "Bearer not-a-jwt"})).status_code == 401
        forged = issue_token(
            "another-secret-that-is-long-enough-xxxxxxxx",
            role="federation_admin",
            subject="x",
            audience=AUDIENCE,
        )
        assert (await client.get(path, headers={"Authorization": f"Bearer {forged}"})).status_code == 401
        expired = issue_token(
            SECRET, role="federation_admin", subject="x", audience=AUDIENCE, ttl_seconds=-120
        )
        assert (await client.get(path, headers={"Authorization": f"Bearer {expired}"})).status_code == 401

        foreign = bearer("district_officer", other)
        assert (await client.get(path, headers=foreign)).status_code == 403
        refused = await client.post(path, json={"name": "nope"}, headers=foreign)
        assert refused.status_code == 403

        own = bearer("district_officer", district)
        created = await client.post(path, json={"name": "mine"}, headers=own)
        assert created.status_code == 201, created.text
        assert (await client.get(path, headers=own)).json() == {"district": district, "count": 1}
        admin = bearer("federation_admin")
        assert (await client.get(path, headers=admin)).json() == {"district": district, "count": 1}
        assert (await client.post(path, json={"name": "admin's"}, headers=admin)).status_code == 201

        # The access table: the operator reads but never writes; a role it does not list does nothing.
        operator = bearer("operator")
        assert (await client.get(path, headers=operator)).status_code == 200
        assert (await client.post(path, json={"name": "op"}, headers=operator)).status_code == 403
        unlisted = bearer("branch_officer", district, branch="b1")
        assert (await client.get(path, headers=unlisted)).status_code == 403
        assert (await client.post(path, json={"name": "b"}, headers=unlisted)).status_code == 403

        # What a public route changes is done by an anonymous actor, never by an earlier caller.
        suggested = await client.post(f"/public/districts/{district}/things", json={"name": "idea"})
        assert suggested.status_code == 201

    assert await db.scalar("SELECT count(*) FROM things") == 2, "the refused command changed nothing"
    assert await db.outbox_count() == 3
    # Audit: every event names who caused it, from the route's access check.
    rows = await db.rows("SELECT header_names, header_values FROM outbox ORDER BY id")
    actors = []
    for names, values in rows:
        headers = dict(zip(names, (bytes(v).decode() for v in values), strict=True))
        actors.append((headers["ce_actor"], headers["ce_actorrole"]))
    assert actors == [
        ("district_officer-1", "district_officer"),
        ("federation_admin-1", "federation_admin"),
        ("anonymous", "public"),
    ]


async def test_production_verifies_the_identity_providers_tokens_for_this_service_only(
    db, serve, district, tmp_path
) -> None:
    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(
        json.dumps({"keys": [{**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1"}]})
    )

    def idp_token(audience: str, **overrides: Any) -> dict[str, str]:
        claims = {
            "sub": "admin-9",
            "role": "federation_admin",
            "aud": audience,
            "iss": "unionfed",
            "exp": 2**40,
            **overrides,
        }
        return {
            "Authorization": "Bearer " + pyjwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        }

    path = f"/districts/{district}/things"
    async with serve(db.url, environment="production", jwt_secret=None, jwt_jwks_file=jwks) as (
        client,
        _a,
        _r,
    ):
        assert (await client.get(path, headers=idp_token(AUDIENCE))).status_code == 200
        assert (await client.get(path, headers=idp_token("unionfed-assistance"))).status_code == 401
        assert (await client.get(path, headers=idp_token(AUDIENCE, iss="evil"))).status_code == 401
        assert (await client.get(path, headers=idp_token(AUDIENCE, exp=1_000_000))).status_code == 401
        unsigned = pyjwt.encode(
            {"sub": "x", "role": "federation_admin", "aud": AUDIENCE}, None, algorithm="none"
        )
        assert (await client.get(path, headers={"Authorization": f"Bearer {unsigned}"})).status_code == 401
        assert (await client.get(path, headers=bearer("federation_admin"))).status_code == 401, "no HS256"


async def test_idempotency_key(db, serve, district) -> None:
    path = f"/districts/{district}/things"
    officer = bearer("district_officer", district)
    async with serve(db.url) as (client, _app, routes):
        # Same key, same body: the stored answer, one row, one event.
        first = await client.post(path, json={"name": "a"}, headers={**officer, "Idempotency-Key": "k1"})
        again = await client.post(path, json={"name": "a"}, headers={**officer, "Idempotency-Key": "k1"})
        assert first.status_code == again.status_code == 201
        assert again.content == first.content
        assert again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert routes.calls["create"] == 1
        assert await db.scalar("SELECT count(*) FROM things") == 1
        assert await db.outbox_count() == 1

        # Keys belong to the verified subject: a retry with a refreshed token (another JWT of
        # the same subject) is still recognised.
        refreshed = bearer("district_officer", district, ttl_seconds=3600)
        assert refreshed != officer
        retry = await client.post(path, json={"name": "a"}, headers={**refreshed, "Idempotency-Key": "k1"})
        assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
        assert retry.content == first.content
        assert routes.calls["create"] == 1

        # Same key, another body: refused, nothing done.
        other = await client.post(path, json={"name": "b"}, headers={**officer, "Idempotency-Key": "k1"})
        assert other.status_code == 422
        assert routes.calls["create"] == 1
        # Keys belong to a principal: another caller may use the same key.
        admin = await client.post(
            path, json={"name": "a"}, headers={**bearer("federation_admin"), "Idempotency-Key": "k1"}
        )
        assert admin.status_code == 201 and "idempotent-replayed" not in admin.headers

        # A retry while the first request is still running: 409; afterwards the stored answer.
        slow_headers = {"Idempotency-Key": "k-slow"}
        running = asyncio.create_task(client.post("/public/slow", json={"name": "s"}, headers=slow_headers))
        await wait_for(routes.started.is_set, timeout=10)
        concurrent = await client.post("/public/slow", json={"name": "s"}, headers=slow_headers)
        assert concurrent.status_code == 409
        routes.release.set()
        done = await running
        assert done.status_code == 200 and done.json() == {"slow": "s", "call": 1}
        replay = await client.post("/public/slow", json={"name": "s"}, headers=slow_headers)
        assert replay.json() == done.json() and replay.headers["idempotent-replayed"] == "true"
        assert routes.calls["slow"] == 1

        # A 5xx frees the key: the retry runs the command again.
        failed = await client.post("/public/flaky", json={"name": "f"}, headers={"Idempotency-Key": "k-5xx"})
        assert failed.status_code == 503
        retried = await client.post("/public/flaky", json={"name": "f"}, headers={"Idempotency-Key": "k-5xx"})
        assert retried.status_code == 200 and retried.json() == {"flaky": "f", "call": 2}
        assert "idempotent-replayed" not in retried.headers

        # So does an unhandled exception (500).
        crashed = await client.post("/public/crash", json={"name": "c"}, headers={"Idempotency-Key": "k-500"})
        assert crashed.status_code == 500
        recovered = await client.post(
            "/public/crash", json={"name": "c"}, headers={"Idempotency-Key": "k-500"}
        )
        assert recovered.status_code == 200 and recovered.json() == {"crash": "c", "call": 2}

    rows = await db.rows("SELECT key, state FROM idempotency_keys ORDER BY key")
    assert [tuple(r) for r in rows] == [
        ("k-500", "done"),
        ("k-5xx", "done"),
        ("k-slow", "done"),
        ("k1", "done"),
        ("k1", "done"),  # one per principal
    ]


class Person(BaseModel):
    national_id: str = Field(pattern=r"^\d{17}[\dX]$")


async def test_validation_errors_name_the_field_without_echoing_the_value() -> None:
    from fastapi import FastAPI
    from unionfed_chassis.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.post("/people")
    async def create(person: Person) -> dict[str, str]:
        return {"ok": "yes"}

    secret = "11010519900307231"  # 17 digits: fails the pattern
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/people", json={"national_id": secret})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "national_id"]
    assert secret not in response.text
