"""The outbox page in a real browser, signed in with an operator token that names every service:
membership's parked row is listed (an unreachable service is named, the page still renders),
ticked and retried; membership's relay then publishes it."""

from __future__ import annotations

from typing import Any

from browser import Browser
from console_testkit import new_district, serve_app
from platform_kit import SERVICES, operator_token, park_a_row, start_membership
from unionfed_devstack._util import free_port
from unionfed_devstack.testing import wait_for


async def test_a_parked_row_is_retried_from_the_page(
    console_service: Any, browser: Browser, make_database: Any, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    district = new_district("op")
    broker = (make_database, kafka_bootstrap, kafka_idempotence)
    async with (
        start_membership([district], *broker) as membership,
        serve_app(membership.app) as membership_url,
    ):
        row_id, event_id = await park_a_row(membership.app.state.runtime.engine, district)
        services = {"membership": membership_url, "campaigns": f"http://127.0.0.1:{free_port()}"}
        async with (
            console_service(services=services, districts=[district]) as console,
            console.served() as base_url,
        ):
            operator = operator_token(console.settings.jwt_secret, SERVICES)
            await browser.sign_in(base_url, operator, then="/outbox")
            await browser.element(f'tr.parked-row[data-id="{row_id}"]')
            await browser.wait_text("#outbox-campaigns .service-error", "unreachable")
            await browser.screenshot("outbox")

            await browser.click(f"#pick-membership-{row_id}")
            await browser.click("#retry-selected-membership")
            await browser.wait_text("#outbox-notice", "membership: moved 1 row(s) back into the outbox")
            await wait_for(
                lambda: [r for r in membership.events.records if r.headers.get("ce_id") == event_id]
            )
