"""Signing in to the console: the login form takes a platform token and keeps it in a cookie;
pages without one redirect to the form, the JSON API answers 401; roles without a console and
bad tokens are refused at the form; `next` never leads off the site."""

from __future__ import annotations

from typing import Any

import pytest
from console_testkit import Console


@pytest.fixture(scope="module")
async def console(console_service: Any) -> Any:
    async with console_service() as svc:
        yield svc


async def test_a_page_without_a_token_redirects_to_the_login_form(console: Console) -> None:
    response = await console.client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"
    assert (await console.client.get("/api/me")).status_code == 401


async def test_the_login_form_keeps_a_valid_token_in_a_strict_http_only_cookie(console: Console) -> None:
    token = console.operator["Authorization"].removeprefix("Bearer ")
    response = await console.client.post("/login", data={"token": token, "next": "/groups"})
    assert response.status_code == 303
    assert response.headers["location"] == "/groups"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{console.settings.session_cookie}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    me = await console.client.get("/api/me", headers={"Cookie": cookie.split(";")[0]})
    assert me.json()["role"] == "operator"
    assert "dead_letters:write" in me.json()["may"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
async def test_next_never_leads_off_the_site(console: Console, target: str) -> None:
    token = console.operator["Authorization"].removeprefix("Bearer ")
    response = await console.client.post("/login", data={"token": token, "next": target})
    assert response.headers["location"] == "/stream"


async def test_a_bad_token_is_refused_at_the_form_without_a_cookie(console: Console) -> None:
    response = await console.client.post("/login", data={"token": "not-a-jwt", "next": "/stream"})
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert "not valid here" in response.text


async def test_a_member_has_no_console(console: Console) -> None:
    token = console.member_token("m-1")["Authorization"].removeprefix("Bearer ")
    response = await console.client.post("/login", data={"token": token})
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


async def test_logout_clears_the_cookie(console: Console) -> None:
    response = await console.client.post("/logout")
    assert response.status_code == 303
    assert 'unionfed_console=""' in response.headers["set-cookie"]


async def test_the_vendored_scripts_are_served_and_nothing_else(console: Console) -> None:
    assert (await console.client.get("/static/htmx.min.js")).status_code == 200
    assert (await console.client.get("/static/..%2Fsettings.py")).status_code == 404
    assert (await console.client.get("/static/VENDORED.md")).status_code == 404
