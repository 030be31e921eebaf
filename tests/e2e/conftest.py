"""Browser tests: Playwright's sync API driving Debian's Chromium against a real server.

One gunicorn server and one browser serve the whole e2e run (they take seconds to start);
each test gets its own browser context (cookies, storage) and its own people and records,
so the tests stay independent. Every page a test opens is watched: a console error, an
uncaught script error or a Content-Security-Policy violation fails the test. When a test
fails, a screenshot of each of its pages is kept under test-artifacts/e2e/.

The suite's database fixtures are switched off here: these tests never touch the test
database (the server has its own SQLite file under /tmp).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.server import PASSWORD, ROOT, LiveServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's Chromium at /usr/bin/chromium "
            "(apt-get install chromium fonts-noto-core; .ci/run installs it)"
        )


def pytest_collection_modifyitems(config, items):
    """Run the browser tests only when asked for (`make e2e`, `pytest tests/e2e`).

    They start a server and a browser and take a minute, so the plain suite (`make test`,
    run on each database) leaves them to their own CI step rather than running them twice.
    """
    here = Path(__file__).parent.resolve()
    asked = os.environ.get("CASEWORK_E2E") == "1" or any(
        here in (Path(arg.split("::")[0]).resolve(), *Path(arg.split("::")[0]).resolve().parents)
        for arg in config.args
    )
    if asked:
        return
    skip = pytest.mark.skip(reason="browser tests run with `make e2e` (or pytest tests/e2e)")
    for item in items:
        if here in Path(item.fspath).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clean_database():
    """Replaces the suite's per-test database cleaning: the server owns its database."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item so fixtures can see a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


# The KTM office's staff for the whole run; tests make their own people and records.
STAFF = {
    "asha": "caseworker",
    "bikash": "supervisor",
    "ministry": "partner",
    "sarita": "caseworker",  # works in BS (test_bs_date_picker.py sets her calendar)
    "kamala": "caseworker",  # reads Nepali (test_nepali_journeys.py)
    "mantralaya": "partner",  # reads Nepali
}


@pytest.fixture(scope="session")
def server():
    _require_chromium()  # before the server starts, which takes a while
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # what is there after the run is this run's
    live = LiveServer()
    live.start(STAFF)
    yield live
    live.stop()
    if ARTIFACTS.exists():  # a test failed: its screenshots want the server's side too
        shutil.copy(live.workdir / "gunicorn.log", ARTIFACTS / "server.log")
    shutil.rmtree(live.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright():
    _require_chromium()
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def api(playwright, server):
    """api(username) -> a Playwright request context calling /api/v1 with that user's token."""
    contexts = []

    def make(username: str):
        context = playwright.request.new_context(
            base_url=server.url,
            extra_http_headers={"Authorization": f"Bearer {server.tokens[username]}"},
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.dispose()


class PageProblems:
    """What went wrong in the browser while a test ran: console errors, script errors.

    A page the test expects to be refused (403, 404) logs its status as a console error;
    paths in `refusals` may do that, and only that.
    """

    def __init__(self):
        self.messages: list[str] = []
        self.refusals: set[str] = set()

    def watch(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"script error: {error}"))

    def _on_console(self, message) -> None:
        # Chromium reports CSP violations ("Refused to load/execute …") as console errors.
        if message.type != "error":
            return
        url = message.location.get("url") or ""
        if self._refused(url) and "the server responded with a status of 40" in message.text:
            return
        self.messages.append(f"console error at {url}: {message.text}")

    def _refused(self, url: str) -> bool:
        return urlsplit(url).path in self.refusals


@pytest.fixture
def browse(request, browser, server):
    """browse() -> a new page in a fresh context (its own cookies) on the live server.

    Downloads are accepted; problems on any page fail the test at teardown.
    """
    contexts, problems = [], PageProblems()

    def open_page():
        context = browser.new_context(base_url=server.url, accept_downloads=True)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    open_page.problems = problems
    yield open_page
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if failed:
        _keep_screenshots(request.node.name, contexts)
    for context in contexts:
        context.close()
    assert not problems.messages, "\n".join(problems.messages)


def _keep_screenshots(test_name: str, contexts) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    for c, context in enumerate(contexts):
        for p, page in enumerate(context.pages):
            page.screenshot(path=str(ARTIFACTS / f"{safe}-{c}-{p}.png"), full_page=True)


@pytest.fixture
def browse_refusals(browse) -> set[str]:
    """Add a path here before opening it when the test expects it to answer 403 or 404."""
    return browse.problems.refusals


@pytest.fixture
def sign_in(browse, server):
    """sign_in(username) -> a page signed in as that user, through every step it has.

    Users enrolled in two-factor sign-in (supervisors) enter the code their authenticator
    app would show, computed from the secret `flask users two-factor` printed.
    """

    def sign(username: str):
        page = browse()
        page.goto("/auth/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        secret = server.totp_secrets.get(username)
        if secret is not None:
            expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
            page.get_by_label("Code from the authenticator app").fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page

    return sign
