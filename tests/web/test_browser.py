"""End to end in a real browser: Debian's Chromium driven by Playwright's sync API.

The application runs under uvicorn on a free loopback port, over a fresh SQLite
database. One test walks what an analyst does in a day: log in, upload a remittance,
find the new denials, search by claim number, open a case, assign it, add a note,
attach a document, move it, download a letter, bulk-assign three cases, save and apply a
queue view, make an action plan, edit a rule override and reclassify, re-ingest a
repaired quarantined file, and see the dashboard numbers change. Screenshots go to
``test-artifacts/screenshots/`` (the main ones are copied to ``docs/screenshots/`` for the
README).

Skipped, saying why, only when Chromium cannot be started on this machine
(``scripts/ensure_chromium.sh`` installs it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from denialops.store.db import make_engine
from denialops.store.migrate import upgrade
from denialops.web.accounts import add_user
from denialops.web.app import create_app
from denialops.x12.write835 import format_835
from tests.web.conftest import BROKEN_835, PASSWORD, repaired_835, settings
from tests.work.builders import claim, ingest, remittance

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'e2e.db'}"
    upgrade(url)
    engine = make_engine(url)
    ingest(
        engine,
        remittance(
            [claim(f"OLD{i}", charge="250", paid="0", adjustments=[("CO", "197", "250")])
             for i in range(3)],
            payer_id="PAYER9",
            payment_date=date(2026, 3, 1),
        ),
    )  # fmt: skip
    add_user(engine, "maria", role="manager", password=PASSWORD, display_name="Maria")
    add_user(engine, "coder1", role="coder", password=PASSWORD)
    app = create_app(
        settings(upload_dir=folder / "uploads", documents_dir=folder / "documents"), engine=engine
    )
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not runner.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        runner.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; scripts/ensure_chromium.sh installs it")
    manager = playwright_api.sync_playwright().start()
    try:
        try:
            chromium = manager.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        except playwright_api.Error as exc:
            pytest.skip(f"Chromium cannot start here: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()
    finally:
        manager.stop()


def _shot(page: Any, name: str, selector: str | None = None) -> None:
    """The whole page, or only the element ``selector`` names (a long page stays small)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = str(ARTIFACTS / f"{name}.png")
    if selector:
        page.locator(selector).screenshot(path=path)
    else:
        page.screenshot(path=path, full_page=True)


def _remittance_file(folder: Path) -> Path:
    claims = [
        claim(
            f"E2E{i:03d}",
            charge=f"{1000 + i * 100}",
            paid="0",
            adjustments=[("CO", "50", f"{1000 + i * 100}")],
            icn=f"ICNE2E{i:03d}",
            rarcs=["N115"],
        )
        for i in range(5)
    ]
    path = folder / "new-remittance.835"
    path.write_text(format_835([remittance(claims, payer_id="PAYER7")]), encoding="utf-8")
    return path


def test_an_analysts_day_in_the_browser(server: str, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{server}/")
    assert page.url.endswith("/login")
    _shot(page, "login")
    page.fill("input[name=username]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#kpis")
    dollars_before = page.inner_text("#kpi-denial_dollars .value")

    # Upload a remittance and read the ingest summary.
    page.click("text=Upload")
    page.set_input_files("#upload-file", str(_remittance_file(tmp_path)))
    page.click("#upload-submit")
    page.wait_for_selector("#ingest-summary")
    assert page.inner_text("#summary-claims") == "5"
    _shot(page, "upload")

    # The new denials are in the queue.
    page.click("#see-new")
    page.wait_for_selector("table.queue")
    queue_text = page.inner_text("table.queue")
    assert all(f"E2E{i:03d}" in queue_text for i in range(5))
    _shot(page, "queue")

    # Search by the payer's claim number, open the case.
    page.fill("input[name=q]", "ICNE2E003")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("text=E2E003")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 1
    rows.first.locator("a").first.click()
    page.wait_for_selector("#pcn")
    assert page.inner_text("#pcn") == "E2E003"

    # Assign, note, attach, move.
    page.fill("#assign-form input[name=assignee]", "maria")
    page.click("#assign-form button")
    page.wait_for_selector("#assignee:text('maria')")
    page.fill("#note-form textarea", "Requested the operative report.")
    page.click("#note-form button")
    page.wait_for_selector("text=Requested the operative report.")
    attachment = tmp_path / "operative-report.txt"
    attachment.write_text("Operative report.", encoding="utf-8")
    page.set_input_files("#document-form input[type=file]", str(attachment))
    page.click("#document-form button")
    page.wait_for_selector("#documents >> text=operative-report.txt")
    page.select_option("#move-state", "triaged")
    page.click("#move-form button")
    page.wait_for_selector("h1 .state:text('triaged')")
    _shot(page, "case")

    # Generate the appeal letter and download it.
    with page.expect_download() as download_info:
        page.click("#letter-generate")
    letter = Path(download_info.value.path())
    assert letter.read_bytes().startswith(b"%PDF-")
    assert download_info.value.suggested_filename.endswith(".pdf")

    # Bulk-assign three cases.
    page.goto(f"{server}/queue?q=E2E&sort=amount")
    boxes = page.locator("input.pick")
    for index in range(3):
        boxes.nth(index).check()
    assert page.inner_text("#selected-count") == "3 selected"
    page.select_option("select[name=action]", "assign")
    page.fill("input[name=value]", "coder1")
    page.click("#bulk-apply")
    page.goto(f"{server}/queue?assignee=coder1")
    assert page.locator("table.queue tbody tr").count() == 3

    _save_and_apply_a_view(page, server)
    _make_an_action_plan(page, server)
    _edit_a_rule_and_reclassify(page, server)
    refused = [e for e in errors if "422" in e]
    assert len(refused) == 1  # the override refused on purpose: its page is a 422
    errors.remove(refused[0])
    _reingest_a_repaired_file(page, server, tmp_path)

    # The dashboard moved with the upload.
    page.goto(f"{server}/")
    page.wait_for_selector("#kpis")
    assert page.inner_text("#kpi-denial_dollars .value") != dollars_before
    _shot(page, "dashboard")
    assert errors == []  # no CSP violations or script errors in the console
    context.close()


def _save_and_apply_a_view(page: Any, server: str) -> None:
    """Save the current filters as a view, then pick it from the default queue."""
    page.goto(f"{server}/queue?carc=50&sort=amount")
    page.fill("#save-view input[name=name]", "CO-50 by amount")
    page.check("#save-view input[name=shared]")
    page.click("#save-view button[type=submit]")
    page.wait_for_selector("a.view-link:text('CO-50 by amount')")
    page.goto(f"{server}/queue?payer=PAYER9")
    assert "OLD0" in page.inner_text("table.queue")
    page.click("a.view-link:text('CO-50 by amount')")
    page.wait_for_url("**/queue?carc=50*")
    table = page.inner_text("table.queue")
    assert "E2E000" in table and "OLD0" not in table
    _shot(page, "queue-views")


def _make_an_action_plan(page: Any, server: str) -> None:
    """Create a plan for CARC 50 in the browser; it is listed with baseline and progress."""
    page.goto(f"{server}/plans")
    page.fill("#plan-form input[name=title]", "Cut CO-50 at PAYER7")
    page.select_option("#plan-form select[name=dimension]", "carc")
    page.fill("#plan-form input[name=value]", "50")
    page.fill("#plan-form input[name=reduction_pct]", "25")
    page.fill("#plan-form input[name=due_date]", "2026-12-31")
    page.fill("#plan-form input[name=owner]", "maria")
    page.click("#plan-form button[type=submit]")
    plan = page.locator("section.plan", has_text="Cut CO-50 at PAYER7")
    plan.wait_for()
    text = plan.inner_text()
    baseline = text.split("baseline ", 1)[1].split(",", 1)[0]
    assert baseline not in ("0", "0.0000", "–"), text
    assert "target" in text and "latest" in text
    assert plan.locator("svg.chart polyline").count() == 1  # progress drawn
    _shot(page, "plans")


def _edit_a_rule_and_reclassify(page: Any, server: str) -> None:
    """Add a rule override with a mistake (shown inline), fix it, edit it, reclassify."""
    page.goto(f"{server}/rules")
    form = "#override-add"
    page.fill(f"{form} input[name=payer]", "PAYER7")
    page.select_option(f"{form} select[name=group]", "CO")
    page.fill(f"{form} input[name=carc]", "50")
    page.select_option(f"{form} select[name=category]", "documentation")
    page.select_option(f"{form} select[name=next_action]", "bill_patient")
    page.click(f"{form} button[type=submit]")
    assert "balance billing" in page.inner_text("#override-error")
    page.select_option(f"{form} select[name=next_action]", "")
    page.click(f"{form} button[type=submit]")
    row = page.locator("table.overrides tbody tr", has_text="payer PAYER7 CO-50")
    row.wait_for()
    assert "documentation" in row.inner_text()
    row.locator("summary").click()
    row.locator("select[name=owner]").select_option("coding_him")
    row.locator("form.override-edit button[type=submit]").click()
    page.wait_for_selector("table.overrides tr:has-text('owner coding_him')")
    history = page.inner_text("#override-history")
    assert "edit" in history and "maria" in history
    page.click("#reclassify button")
    page.wait_for_selector("#reclassified")
    assert page.inner_text("#reclassified-changed") == "5"  # the five PAYER7 CO-50 lines
    _shot(page, "rules", "#overrides")


def _reingest_a_repaired_file(page: Any, server: str, folder: Path) -> None:
    """Upload a broken file, fix the quarantined set in place, re-ingest it."""
    broken = folder / "broken.835"
    broken.write_text(BROKEN_835, encoding="utf-8")
    page.goto(f"{server}/upload")
    page.set_input_files("#upload-file", str(broken))
    page.click("#upload-submit")
    page.wait_for_selector("#ingest-summary")
    assert page.inner_text("#summary-quarantined") == "1"
    page.goto(f"{server}/quarantine")
    page.locator("table tbody tr").first.locator("a").first.click()
    page.wait_for_selector("#reingest-form")
    repaired = repaired_835("E2EFIX01").decode()
    page.fill("#reingest-text", repaired[repaired.index("ST*") : repaired.index("GE*")])
    page.click("#reingest-submit")
    page.wait_for_selector("#quarantine-status:text('resolved')")
    page.locator("a.resolved-case").first.click()
    page.wait_for_selector("#pcn")
    assert page.inner_text("#pcn") == "E2EFIX01"
