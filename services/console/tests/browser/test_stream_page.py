"""The live stream in a real browser, over the real broker and the console's real indexer: a
MemberJoined published as membership's relay would shows up in the table (the delay is measured
and printed, not asserted), a type filter leaves only that type's rows, pause holds new rows
back and resume shows them, a click shows the whole masked payload, the export link downloads
the filtered set. Writes `stream.png`, and the README's `docs/screenshots/console-stream.png`."""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

from browser import REPO, Browser
from console_testkit import Console, new_district
from member_story import NAMES, Story
from unionfed_devstack.testing import wait_for

WITHIN = 10  # seconds a row may take from publish to screen before the test gives up
README_SCREENSHOT = REPO / "docs" / "screenshots" / "console-stream.png"


async def indexed(console: Console, **params: str) -> int:
    """How many indexed events match (the API), once at least one does."""

    async def count() -> int | None:
        response = await console.client.get("/api/events", params=params, headers=console.operator)
        return len(response.json()["items"]) or None

    found: int = await wait_for(count, timeout=WITHIN)
    return found


async def rows_of(browser: Browser, attribute: str) -> list[str]:
    script = f"return [...document.querySelectorAll('#stream-rows tr')].map(r => r.dataset.{attribute})"
    rows: list[str] = await browser.call(browser.driver.execute_script, script)
    return rows


async def test_the_stream_shows_a_join_narrows_by_type_pauses_and_exports(
    console_service: Any, browser: Browser
) -> None:
    d = new_district("s")
    async with console_service(districts=[d]) as console, console.served() as base_url:
        story = Story(console.producer, d, await console.feed.branch(d))
        await browser.sign_in(base_url, console.operator, then=f"/stream?district={d}")
        await browser.wait_text("#stream-status", "live")
        # The index reads the district's new topic once it has seen it (a metadata refresh and a
        # rebalance): the branch's founding on screen says it does, then the join is timed.
        await browser.wait_text("#stream-rows", "BranchEstablished", within=30)

        started = time.perf_counter()
        member = await story.join(NAMES[0])
        await browser.element(f'#stream-rows tr[data-member-id="{member.member_id}"]', within=WITHIN)
        print(
            f"\nstream page: MemberJoined on screen {time.perf_counter() - started:.3f} s after the publish"
        )

        # Realistic traffic for the screenshot: joins, an aid case, a leave.
        others = [
            await story.join(name, industry)
            for name, industry in zip(
                NAMES[1:6], ["物流", "餐饮", "construction", "家政", "制造"], strict=True
            )
        ]
        await story.aid_case(others[0])
        await story.leave(others[-1])
        await browser.wait_text("#stream-rows", "MemberLeft", within=WITHIN)
        await browser.click(f'#stream-rows tr[data-member-id="{member.member_id}"]')
        await browser.wait_text("#event-payload", NAMES[0])
        assert "1101**********1234" in (await browser.texts("#event-payload"))[0]
        await browser.call(browser.driver.execute_script, "window.scrollTo(0, 0)")
        path = await browser.screenshot("stream")
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SCREENSHOT)

        # A type filter: only MemberJoined rows stay, and a later MemberLeft does not come in.
        await browser.type("#filter-type", "MemberJoined")
        await browser.click("#apply-filter")
        await browser.wait_for(lambda drv: "type=MemberJoined" in drv.current_url, what="the filtered page")
        await browser.wait_text("#stream-status", "live")

        async def six_joins() -> list[str] | None:  # partitions are indexed in any order
            types = await rows_of(browser, "type")
            return types if len(types) == 6 else None

        assert set(await wait_for(six_joins, timeout=WITHIN)) == {"MemberJoined.v1"}
        await story.leave(others[1])
        await indexed(console, district=d, type="MemberLeft", subject=str(others[1].member_id))
        late = await story.join(NAMES[6])
        await browser.element(f'#stream-rows tr[data-member-id="{late.member_id}"]', within=WITHIN)
        assert set(await rows_of(browser, "type")) == {"MemberJoined.v1"}

        # Pause: a new join is indexed but held back; resume shows it, once.
        await browser.click("#pause")
        held = await story.join(NAMES[7])
        await indexed(console, district=d, subject=str(held.member_id))
        await browser.wait_text("#buffered", "1 new while paused", within=WITHIN)
        assert str(held.member_id) not in await rows_of(browser, "memberId")
        await browser.click("#pause")
        await browser.element(f'#stream-rows tr[data-member-id="{held.member_id}"]')
        assert (await rows_of(browser, "memberId")).count(str(held.member_id)) == 1

        # Export: the link carries the filter; its file has the filtered set as JSON lines.
        href = (await browser.element("#export")).get_attribute("href") or ""
        assert "type=MemberJoined" in href and f"district={d}" in href
        fetch = (
            "const [url, done] = arguments;"
            "fetch(url).then(r => r.text()).then(done, e => done('failed: ' + e));"
        )
        exported: str = await browser.call(browser.driver.execute_async_script, fetch, href)
        lines = [json.loads(line) for line in exported.splitlines()]
        assert len(lines) == 8
        assert {line["short_type"] for line in lines} == {"MemberJoined.v1"}
        assert str(held.member_id) == lines[0]["member_id"]
        await browser.open("about:blank")  # the page's stream ends before the server stops
