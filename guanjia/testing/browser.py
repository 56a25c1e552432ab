"""Browser tests' shared pieces: Debian's Chromium through Playwright, and one person's logged-in screen.

The ``browser`` fixture is registered in the root ``conftest.py``; tests take it by name.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Debian's Chromium; `make test CHROMIUM=…` points elsewhere.
CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    # No skip: a missing Chromium is a broken test machine, and the suite must say so.
    assert Path(CHROMIUM).exists(), (
        f"Chromium not found at {CHROMIUM}: sudo apt-get install chromium (README, first screen)"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield StillBrowser(browser)
        finally:
            browser.close()


class StillBrowser:
    """The launched browser, whose every page prefers reduced motion.

    Bootstrap scrolls smoothly unless motion is reduced: a click Playwright aimed while an earlier
    scroll was still gliding landed beside its button (a cost form that never posted, seen under
    load after a full-page screenshot). With reduced motion, scrolls are instant and nothing fades.
    """

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        return self._browser.new_context(**{"reduced_motion": "reduce", **options})

    def new_page(self, **options):
        return self._browser.new_page(**{"reduced_motion": "reduce", **options})

    def __getattr__(self, name):
        return getattr(self._browser, name)


# How long a browser test waits for a page or an element before it fails.
BROWSER_TIMEOUT_MS = 30_000


class Screen:
    """One person's browser (a context of their own, in Chinese), logged in, at a viewport.

    ``errors`` collects the console errors and page exceptions, which the tests assert are none.
    ``shot(name)`` fails when the page is wider than the screen, then saves a screenshot in ``shots``.
    """

    def __init__(self, browser, live_server, user, errors, viewport=PHONE, shots: Path | None = None):
        from guanjia.testing import factories as f  # after Django is set up (conftest imports this module)

        self.url = live_server.url
        self.shots = shots
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.page = self.context.new_page()
        # Generous: a 2-core CI machine running the suite on two workers answers a page in seconds at worst.
        self.page.set_default_timeout(BROWSER_TIMEOUT_MS)
        self.page.on("console", lambda msg: errors.append(msg.text) if _is_error(msg) else None)
        self.page.on("pageerror", lambda exc: errors.append(str(exc)))
        self.page.goto(f"{self.url}/login/")
        self.page.fill("#id_username", user.username)
        self.page.fill("#id_password", f.PASSWORD)
        self.page.click("button[type=submit]:has-text('登录')")
        # Logged in: the home page, or where home sends this role (an external auditor: its audits).
        self.page.wait_for_url(lambda url: not url.endswith("/login/"))
        self.page.wait_for_load_state()

    def goto(self, path):
        self.page.goto(f"{self.url}{path}")

    def htmx_settled(self):
        """Wait until htmx has nothing in flight and has swapped and settled what came back.

        A response arrives before its swap: a field filled in between belongs to the form that is
        about to be replaced, and its own request can be lost with it.
        """
        from playwright.sync_api import expect

        busy = self.page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
        expect(busy).to_have_count(0)

    def shot(self, name):
        # A click that navigates returns before the next document exists; measure the page that
        # arrived, not the gap between two pages.
        self.page.wait_for_load_state()
        self.page.wait_for_function("document.readyState === 'complete' && document.body !== null")
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name}: page is {overflow}px wider than the screen"
        if self.shots is not None:
            self.shots.mkdir(parents=True, exist_ok=True)
            full_page_screenshot(self.page, self.shots / f"{name}.png")

    def close(self):
        self.context.close()


def full_page_screenshot(page, path):
    """A screenshot of the whole page that leaves the page as it was.

    Chromium takes a full page by growing the frame and scrolling it; it puts the scroll back only
    later. A click aimed in between lands where its button was before the scroll came back: under
    load a cost form's 保存 was clicked at the page's foot and never posted. So the scroll is put
    back here, and the next action waits until the page is painted at it.
    """
    x, y = page.evaluate("[window.scrollX, window.scrollY]")
    page.screenshot(path=str(path), full_page=True)
    page.evaluate("([x, y]) => window.scrollTo(x, y)", [x, y])
    page.wait_for_function("([x, y]) => window.scrollX === x && window.scrollY === y", arg=[x, y])
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


# htmx reports a request it aborted on purpose (``hx-sync="…:replace"``: a newer question replaced
# it) as console errors; the answer that counts is the newer one, so these are not failures. Real
# failures still are: htmx:responseError, htmx:sendError, page exceptions.
SUPERSEDED = ("htmx:sendAbort", "htmx:afterRequest")


def _is_error(msg) -> bool:
    return msg.type == "error" and not msg.text.startswith(SUPERSEDED)
