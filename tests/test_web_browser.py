"""The web app in a real headless Chromium: keyboard and mouse, worksheets, the policy lab, axe-core.

Skipped (with the reason) only when Chromium or Playwright is absent; CI installs both.
Screenshots at 1280 and 390 px wide go to ``tests/artifacts/`` (not committed).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web app needs the [web] extra")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

from detainer_model.web import WebConfig  # noqa: E402  (after the skips above)
from detainer_model.web.server import BackgroundServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / "tests" / "fixtures" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    """The app on 127.0.0.1 and a free port, in a thread, for this module."""
    config = WebConfig(scenarios_dir=ROOT / "scenarios", class_sets=(ROOT / "exercises" / "class-set",))
    with BackgroundServer(config) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page at desktop width."""
    # bypass_csp lets the test inject axe-core; the app itself allows no inline script
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def _axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_case_builder_by_keyboard_and_mouse(page: Any, server: BackgroundServer) -> None:
    """Fill the builder with keys and clicks, add a conviction, and read the side-by-side result."""
    page.goto(f"{server.url}/builder")
    page.get_by_label("Booking date").click()
    page.keyboard.type("03262015")  # a date input takes the digits of mm/dd/yyyy
    page.get_by_label("Place of arrest (local policy)").select_option("full-cooperation")
    page.get_by_label("Status").focus()
    page.keyboard.press("End")  # the last status: unauthorized
    page.locator("#person-age").fill("34")
    page.get_by_role("button", name="Add a conviction").click()
    page.get_by_role("textbox", name="Offense (required)").fill("Burglary of a dwelling")
    page.locator("#convictions-0-date").fill("2012-05-01")
    page.locator("#convictions-0-level").select_option("felony")
    page.get_by_role("checkbox", name="Burglary", exact=True).check()
    page.get_by_role("button", name="Show the results").click()
    page.wait_for_selector("#results-title")
    assert "c=" in page.url

    def tech(regime: str, field: str) -> str:
        return str(page.locator(f'td[data-regime="{regime}"][data-field="{field}"] code.tech').inner_text())

    # a burglary felony, unauthorized: both ask for a hold; PEP (as practised) on its own form
    assert tech("secure-communities", "request") == "detainer" and tech("pep", "request") == "detainer"
    sc = page.locator('td[data-regime="secure-communities"][data-field="request"] .value').inner_text()
    assert "hold" in sc  # the plain words, beside the technical id
    assert tech("pep", "form") == "I-247D"
    assert tech("secure-communities", "form") == "I-247"
    assert page.locator("tr.differs").count() >= 1
    shared = page.url
    page.goto(shared)  # the shared address reopens the same case and result
    assert page.locator("#convictions-0-offense").input_value() == "Burglary of a dwelling"
    _shoot(page, "builder")
    assert _axe(page) == []


def test_keyboard_only_reaches_the_form(page: Any, server: BackgroundServer) -> None:
    """Tab from the top of the page: the skip link comes first and lands on the content."""
    page.goto(f"{server.url}/builder")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    # following the link is a navigation of its own: wait for it (under load it can lag the key press)
    page.wait_for_function("location.hash === '#main'", timeout=10_000)
    assert page.url.endswith("#main")
    for _ in range(12):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('form') !== null")


def test_worksheet_is_graded_in_the_browser(page: Any, server: BackgroundServer) -> None:
    """A student's predictions come back marked, and the instructor's gradebook counts them."""
    page.goto(f"{server.url}/worksheets/class-set")
    page.get_by_label("Your name").fill("Grace")
    # a 2013 booking with no record: no detainer under the 2012 guidance (right), none under PEP (wrong)
    page.locator('select[name="a.no-record.secure-communities.request"]').select_option("none")
    page.locator('select[name="a.no-record.pep.request"]').select_option("detainer")
    assert _axe(page) == []
    page.get_by_role("button", name="Check my answers").click()
    score = page.locator("#score").inner_text()
    assert score.startswith("Grace: 1/48")
    assert page.locator("tr.mark-right").count() == 1 and page.locator("tr.mark-wrong").count() == 1
    _shoot(page, "feedback")
    key = server.app.state.dm.config.instructor_key
    page.goto(f"{server.url}/worksheets/class-set/teacher?key={key}")
    assert "Grace: 1/48" in page.inner_text("main")


def test_policy_lab_shows_a_located_error(page: Any, server: BackgroundServer) -> None:
    """A broken policy in the lab shows the CLI's message with file, line and field."""
    page.goto(f"{server.url}/lab?policy=san-francisco-2015")
    area = page.get_by_label("Rule file")
    area.fill(area.input_value().replace("then:", "thn:", 1))
    page.get_by_role("button", name="Check and try it").click()
    problems = page.locator("#lab-problems").inner_text()
    assert "rules/local/san-francisco-2015.yaml:" in problems and "unknown key 'thn'" in problems
    _shoot(page, "lab-error")
    assert _axe(page) == []


def test_other_pages_pass_axe(page: Any, server: BackgroundServer) -> None:
    """axe-core finds no serious or critical accessibility violation on the other kinds of page."""
    found = {}
    for path in ("/", "/scenarios/0", "/rules/pep", "/glossary", "/api"):
        page.goto(server.url + path)
        found[path] = [v["id"] for v in _axe(page)]
    assert found == {path: [] for path in found}
