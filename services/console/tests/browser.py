"""A real headless browser for the console's tests: Debian's `chromium` and `chromium-driver`,
driven by Selenium (`install_chromium.sh` installs them; `make test` runs it when they are missing).

Selenium blocks, and the app under test serves from the test's own event loop (uvicorn task), so
every browser call runs in a worker thread (`asyncio.to_thread`): a blocking call on the loop
would stop the very server the browser is waiting for.

Every test that opens a page writes a screenshot of it (`screenshot(name)`) into
`$UNIONFED_SCREENSHOTS` (default `.data/screenshots` at the repository's root)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = Path(os.environ.get("UNIONFED_SCREENSHOTS", REPO / ".data" / "screenshots"))
T = TypeVar("T")


def _driver() -> webdriver.Chrome:
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        raise RuntimeError(
            "chromium and chromium-driver are needed for the console's browser tests: "
            "run `bash services/console/tests/install_chromium.sh` (as root), or `make test`"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(arg)
    options.add_argument("--lang=zh-CN")
    return webdriver.Chrome(service=Service(driver), options=options)


class Browser:
    """The few things the console's tests do with a page, each awaitable."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    async def open(self, url: str) -> None:
        await self.call(self.driver.get, url)

    async def sign_in(self, base_url: str, authorization: dict[str, str], then: str = "/stream") -> None:
        """Through the login form, with the token of an `Authorization: Bearer …` header."""
        token = authorization["Authorization"].removeprefix("Bearer ")
        await self.open(f"{base_url}/login?next={then}")
        await self.type("#token", token)
        await self.click("#sign-in")
        await self.wait_for(lambda d: "/login" not in d.current_url, within=15, what="leaving the login form")

    async def type(self, css: str, text: str) -> None:
        element = await self.element(css)
        await self.call(element.clear)
        await self.call(element.send_keys, text)

    async def click(self, css: str) -> None:
        await self.call((await self.element(css)).click)

    async def element(self, css: str, within: float = 15) -> WebElement:
        found: WebElement = await self.wait_for(lambda d: d.find_element(By.CSS_SELECTOR, css), within)
        return found

    async def texts(self, css: str) -> list[str]:
        def read() -> list[str]:
            try:
                return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css)]
            except StaleElementReferenceException:  # the live page replaced it meanwhile: read again
                return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css)]

        return await self.call(read)

    async def wait_text(self, css: str, text: str, within: float = 15) -> None:
        """Until an element matching `css` contains `text`."""

        def seen(d: webdriver.Chrome) -> bool:
            try:
                return any(text in e.text for e in d.find_elements(By.CSS_SELECTOR, css))
            except StaleElementReferenceException:
                return False

        await self.wait_for(seen, within, f"no {css!r} containing {text!r}")

    async def wait_for(
        self, condition: Callable[[webdriver.Chrome], T], within: float = 15, what: str = ""
    ) -> T:
        def wait() -> T:
            return WebDriverWait(self.driver, within, poll_frequency=0.05).until(condition)  # type: ignore[no-any-return]

        try:
            return await self.call(wait)
        except TimeoutException:
            raise AssertionError(
                f"browser: {what or condition} within {within} s at {self.driver.current_url}"
            ) from None

    async def screenshot(self, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        await self.call(self._save_screenshot, path)
        return path

    def _save_screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))


@contextlib.asynccontextmanager
async def open_browser() -> AsyncIterator[Browser]:
    driver = await asyncio.to_thread(_driver)
    try:
        yield Browser(driver)
    finally:
        await asyncio.to_thread(driver.quit)
