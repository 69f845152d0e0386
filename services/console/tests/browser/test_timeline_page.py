"""The member timeline in a real browser, over the real broker and indexer: a member joins
(membership) and an aid case follows (assistance), each event caused by the one before; the
search by card number opens the member's timeline, which shows both services' events in order,
each indented under its cause. Writes `timeline.png`."""

from __future__ import annotations

from typing import Any

from browser import Browser
from console_testkit import new_district
from member_story import NAMES, Story
from unionfed_devstack.testing import wait_for

WITHIN = 15


async def entries(browser: Browser) -> list[dict[str, str]]:
    script = "return [...document.querySelectorAll('#timeline .timeline-entry')].map(e => ({...e.dataset}))"
    found: list[dict[str, str]] = await browser.call(browser.driver.execute_script, script)
    return found


async def test_the_timeline_shows_a_members_events_from_two_services(
    console_service: Any, browser: Browser
) -> None:
    d = new_district("t")
    async with console_service(districts=[d]) as console, console.served() as base_url:
        story = Story(console.producer, d, await console.feed.branch(d))
        member = await story.join(NAMES[2])
        requested, approved, granted = await story.aid_case(member)
        await story.join(NAMES[3])  # someone else: not on this member's timeline

        async def card_indexed() -> bool:
            path = f"/api/members/by-card/{member.card_number}"
            return (await console.client.get(path, headers=console.operator)).status_code == 200

        await wait_for(card_indexed, timeout=30, interval=0.2)
        await browser.sign_in(base_url, console.operator, then="/members")
        await browser.type("#member-query", member.card_number)
        await browser.click("#member-search-go")
        await browser.wait_for(
            lambda drv: f"/members/{member.member_id}" in drv.current_url, what="the timeline"
        )

        async def all_four_shown() -> list[dict[str, str]] | None:
            shown = await entries(browser)
            if len(shown) == 4:
                return shown
            await browser.open(f"{base_url}/members/{member.member_id}")  # the index may lag a little
            return None

        shown = await wait_for(all_four_shown, timeout=WITHIN, interval=0.3)
        assert [e["eventId"] for e in shown] == [member.joined.id, requested.id, approved.id, granted.id]
        assert [e["service"] for e in shown] == ["membership", "assistance", "assistance", "assistance"]
        assert [e["depth"] for e in shown] == ["0", "1", "2", "3"]
        assert [e["causedBy"] for e in shown] == ["", member.joined.id, requested.id, approved.id]
        assert {e["correlationId"] for e in shown} == {member.joined.correlationid}
        await browser.wait_text("#timeline", NAMES[2])
        await browser.screenshot("timeline")

        # A district officer of another district sees none of it.
        await browser.sign_in(
            base_url, console.district_officer(new_district("x")), then=f"/members/{member.member_id}"
        )
        await browser.element("#timeline-empty")
