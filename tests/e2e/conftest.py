"""A live Dash server in a thread and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHAINPLAN_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("CHAINPLAN_REQUIRE_BROWSER") == "1"
#: Users of the test server, all with the same password.
USERS = {"admin": "admin", "viewer": "viewer", "planner": "planner", "committee": "committee"}
PASSWORD = "correct horse battery"
#: The ids of the runs the live server's fixture stores, by scenario (the demo's history stores runs before them).
RUNS: dict[str, int] = {}


#: Every page a signed-in administrator reaches, settled (its grids drawn): path and what to wait for. The
#: accessibility and layout tests walk the same list, so a new page is added here once.
PAGES = {
    "overview": ("/", "#card-districts"),
    "chains": ("/chains?tier=provincial&product=SP002", "#chain-graph canvas"),
    "plans": ("/plans?scenario=file:baseline-2020.yaml", "#plans-table .ag-row"),
    "allocation": ("/allocation?run=1", "#funded-table .ag-row"),
    "frontier": ("/frontier?run=1", "#risk-benefit"),
    "compare": ("/compare?runs=1,2", "#compare-cost .ag-row"),
    "decisions": ("/decisions", "#runs-table .ag-row"),
    "results": ("/results?year=2019", "#results-table .ag-row"),
    "users": ("/users", "#users-table .ag-row"),
    "not-found": ("/no-such-page", "#not-found"),
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


class CspBypassingBrowser:
    """Playwright's browser whose new contexts bypass the pages' Content-Security-Policy unless asked not to
    (``bypass_csp=False``): Playwright compiles a ``wait_for_function`` predicate inside the page, with ``eval``,
    which the app's policy rightly forbids. The policy itself is enforced in ``test_every_page.py``, which opens
    every page in both languages with ``bypass_csp=False`` and allows no console error."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        options.setdefault("bypass_csp", True)
        return self._browser.new_context(**options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium; .ci/run does)"
        if REQUIRE_BROWSER:
            pytest.fail(f"CHAINPLAN_REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield CspBypassingBrowser(instance)
        instance.close()


@pytest.fixture(scope="session")
def live_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test server's database."""
    return f"sqlite:///{tmp_path_factory.mktemp('ui') / 'ui.db'}"


@pytest.fixture(scope="session")
def live_url(live_db: str) -> Iterator[str]:
    """The UI on a free loopback port, over a demo database."""
    from werkzeug.serving import make_server

    from chainplan import services
    from dash_app.app import create_app
    from models.uow import SqlAlchemyUnitOfWork

    db = live_db
    services.load_demo(SqlAlchemyUnitOfWork(db))
    for name, role in USERS.items():
        services.add_user(SqlAlchemyUnitOfWork(db), name, role=role, password=PASSWORD)
    scenarios = Path(__file__).resolve().parents[2] / "scenarios"
    for scenario in ("baseline-2020", "concentrate"):
        RUNS[scenario] = int(services.run_allocation(SqlAlchemyUnitOfWork(db), scenarios / f"{scenario}.yaml",
                                                     by="planner").run_id or 0)
    server = make_server("127.0.0.1", 0, create_app(db).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _tab(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors
    return context, tab


def sign_in(tab: Any, live_url: str, name: str, password: str = PASSWORD) -> None:
    """Through the sign-in form (which carries its own CSRF token, as a browser posts it)."""
    tab.goto(live_url + "/login")
    tab.fill("#login-username", name)
    tab.fill("#login-password", password)
    tab.click("#login-submit")
    tab.wait_for_selector("#signed-in-user")


def _page_as(browser: Any, live_url: str, name: str | None) -> Iterator[Any]:
    """A fresh page, signed in as ``name`` (or not at all), recording console and page errors in ``page.errors``."""
    context, tab = _tab(browser)
    if name is not None:
        sign_in(tab, live_url, name)
    yield tab
    context.close()


@pytest.fixture
def anonymous_page(browser: Any, live_url: str) -> Iterator[Any]:
    yield from _page_as(browser, live_url, None)


@pytest.fixture
def page(browser: Any, live_url: str) -> Iterator[Any]:
    """Signed in as the administrator."""
    yield from _page_as(browser, live_url, "admin")


@pytest.fixture
def viewer_page(browser: Any, live_url: str) -> Iterator[Any]:
    yield from _page_as(browser, live_url, "viewer")


def grid_ready(tab: Any, grid: str) -> None:
    """Wait until the AG Grid ``grid`` (a selector) shows rows: AG Grid draws rows only once the grid is in view."""
    tab.wait_for_selector(grid, state="attached")
    tab.locator(grid).scroll_into_view_if_needed()
    tab.wait_for_selector(f"{grid} .ag-center-cols-container .ag-row")


@contextmanager
def signed_in(browser: Any, live_url: str, name: str) -> Iterator[Any]:
    """A fresh tab signed in as ``name``; console and page errors are collected in ``tab.errors``."""
    yield from _page_as(browser, live_url, name)


def choose_option(tab: Any, dropdown: str, text: str, search: str = "Search") -> None:
    """Open a Dash dropdown and pick the first option that contains ``text`` (typed into the dropdown's own search
    box, placeholder ``search`` in the page's language, when it has one, to narrow a long list)."""
    tab.click(dropdown)
    box = tab.get_by_placeholder(search)
    if box.count():
        box.fill(text)
    tab.get_by_role("option").filter(has_text=text).first.click()
    tab.keyboard.press("Escape")


def forge(tab: Any, live_url: str, output: str, **body: Any) -> Any:
    """Post a callback request for ``output`` (``"..a.children...b.data.."``) the way a script would, bypassing the
    page; returns the response. The server must refuse it for a role without the output's action."""
    payload = {"output": output, "outputs": [], "changedPropIds": [], "inputs": [], "state": [], **body}
    return tab.request.post(live_url + "/_dash-update-component", data=json.dumps(payload),
                            headers={"Content-Type": "application/json"})


#: axe-core, pinned in tests/e2e/axe/package.json (npm ci installs it there; node_modules is not committed).
AXE_FOLDER = Path(__file__).resolve().parent / "axe"
AXE_SCRIPT = AXE_FOLDER / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14."


def _install_axe() -> str | None:
    """Install axe-core with npm from the lock file when it is not there yet; the reason it cannot be, else None."""
    if AXE_SCRIPT.exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm not found (apt-get install npm) to install axe-core into tests/e2e/axe"
    import subprocess

    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=AXE_FOLDER,
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not AXE_SCRIPT.exists():
        return f"npm ci in {AXE_FOLDER} failed: {done.stderr.strip()[-500:]}"
    return None


@pytest.fixture(scope="session")
def axe_script() -> str:
    """The source of axe-core 4.14, to inject into a page. Fails (not skips) under CHAINPLAN_REQUIRE_BROWSER=1."""
    problem = _install_axe()
    if problem is None:
        source = AXE_SCRIPT.read_text(encoding="utf-8")
        version = json.loads((AXE_SCRIPT.parent / "package.json").read_text(encoding="utf-8"))["version"]
        if version.startswith(AXE_VERSION):
            return source
        problem = f"axe-core {version} installed in {AXE_FOLDER}, the test expects {AXE_VERSION}x (npm ci)"
    if REQUIRE_BROWSER:
        pytest.fail(f"CHAINPLAN_REQUIRE_BROWSER=1 but {problem}")
    pytest.skip(problem)


#: The rules axe runs: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(tab: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now: ``[{id, impact, help, nodes: [{target, html}]}]``."""
    if not tab.evaluate("typeof window.axe !== 'undefined'"):
        tab.add_script_tag(content=axe_source)
    return list(tab.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                                          impact: n.impact}))}));
        }""", AXE_TAGS))
