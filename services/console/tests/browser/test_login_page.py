"""The login form in a real browser: a token signs in, the layout shows who is signed in."""

from __future__ import annotations

from typing import Any

from browser import Browser


async def test_an_operator_signs_in_with_a_token(console_service: Any, browser: Browser) -> None:
    async with console_service() as console, console.served() as base_url:
        await browser.open(f"{base_url}/")
        await browser.element("#login-form")
        await browser.screenshot("login")
        await browser.sign_in(base_url, console.operator, then="/api/me")
        await browser.wait_text("body", '"role":"operator"')
