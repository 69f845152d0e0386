"""The contract catalog in a real browser: membership's events listed with membership as their
producer (from its running AsyncAPI document), and one type's page with its JSON Schema and the
latest indexed event as a sample."""

from __future__ import annotations

from typing import Any

from browser import Browser
from console_testkit import new_district, serve_app
from platform_kit import start_membership
from unionfed_events import membership as mev

JOINED = mev.MemberJoined.ce_type()


async def test_the_catalog_shows_producers_and_a_types_schema_and_sample(
    console_service: Any, browser: Browser, make_database: Any, kafka_bootstrap: str, kafka_idempotence: bool
) -> None:
    district = new_district("cp")
    broker = (make_database, kafka_bootstrap, kafka_idempotence)
    async with (
        start_membership([district], *broker) as membership,
        serve_app(membership.app) as membership_url,
    ):
        services = {"membership": membership_url}
        async with (
            console_service(services=services, districts=[district]) as console,
            console.served() as base_url,
        ):
            branch = await console.feed.branch(district)
            member_id = await console.feed.join(district, branch)

            await browser.sign_in(base_url, console.operator, then="/contracts")
            joined_row = f'tr.contract[data-type="{JOINED}"]'
            await browser.wait_text(f"{joined_row} .producers", "membership")
            # Membership's events, those a running service's AsyncAPI describes, in view.
            script = f"document.querySelector('{joined_row}').scrollIntoView({{block: 'center'}})"
            await browser.call(browser.driver.execute_script, script)
            await browser.screenshot("contracts")

            await browser.click(f"{joined_row} a.contract-link")
            await browser.wait_text("#json-schema", '"national_id_masked"')
            for _ in range(60):  # server-rendered: reload until the index has the member's join
                if str(member_id) in " ".join(await browser.texts("#sample")):
                    break
                await browser.open(f"{base_url}/contracts/{JOINED}")
            await browser.wait_text("#sample", str(member_id), within=1)
            await browser.screenshot("contract")
