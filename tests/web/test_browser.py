"""End to end in a real browser: Debian's Chromium driven by Playwright's sync API.

The application runs under uvicorn on a free loopback port, over a fresh SQLite
database. One test walks what an analyst does in a day: log in, upload a remittance,
find the new denials, search by claim number, open a case, assign it, add a note,
attach a document, move it, download a letter, bulk-assign three cases, and see the
dashboard numbers change. Screenshots go to ``test-artifacts/screenshots/`` (the main
ones are copied to ``docs/screenshots/`` for the README).

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
from tests.web.conftest import PASSWORD, settings
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


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


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

    # The dashboard moved with the upload.
    page.goto(f"{server}/")
    page.wait_for_selector("#kpis")
    assert page.inner_text("#kpi-denial_dollars .value") != dollars_before
    _shot(page, "dashboard")
    assert errors == []  # no CSP violations or script errors in the console
    context.close()
