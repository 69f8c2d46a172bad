"""`case show --json` (CLI) and the case API (web) print one record, built by one library
function (``denialops.work.detail.case_detail``)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from denialops.cli import app
from denialops.work.detail import case_detail, json_ready
from tests.web.conftest import Browser, WebDb


def test_cli_and_web_show_the_same_case_record(as_role: dict[str, Browser], web_db: WebDb) -> None:
    case_id = web_db.case_ids[0]  # the case with a document
    body = as_role["viewer"].client.get(f"/api/v1/cases/{case_id}").json()
    assert body.pop("ok") is True
    shown = CliRunner().invoke(app, ["case", "show", str(case_id), "--db", web_db.url, "--json"])
    assert shown.exit_code == 0, shown.output
    printed = json.loads(shown.stdout)
    library = json_ready(case_detail(web_db.engine, case_id))
    assert printed == body == library
    assert printed["documents"][0]["filename"] == "eligibility.txt"
    assert printed["deadlines"]["profile"] and printed["denial_codes"][0]["reason_code"] == "50"
    assert printed["lines"][0]["adjustments"][0]["reason_text"]


def test_the_queues_expected_column_is_the_expected_payment(
    as_role: dict[str, Browser], web_db: WebDb
) -> None:
    rows = as_role["viewer"].client.get("/api/v1/cases", params={"limit": 200}).json()["cases"]
    for row in rows[:4]:
        case = case_detail(web_db.engine, row["case_id"])["case"]
        assert row["expected"] == json_ready(case["expected_payment"])
        assert row["expected"] != json_ready(case["billed"] - case["paid_initial"])
