"""Re-applied rules re-route open cases (category, family, owner, next action, denial
codes, priority) like a case opening would, audited; closed cases and hand-set owners
stay as they are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from denialops.classify.apply import reclassify
from denialops.classify.overrides import OverrideSpec, add_override, delete_override
from denialops.cli import app
from denialops.work import events, get_case, move, set_owner
from denialops.work.reroute import ACTION, ROUTED_FIELDS
from denialops.work.scoring import SCORE_COLUMNS
from denialops.work.store import case_adj_t, case_t, claim_t
from tests.work.builders import claim, ingest, remittance

CO50 = [("CO", "50", "400")]
# the override the tests apply: CO-50 from PAYER1 is an authorization matter
OVERRIDE = OverrideSpec(carc="50", group="CO", payer="PAYER1", category="authorization")


def _case_of(engine: Engine, pcn: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            select(case_t)
            .join(claim_t, claim_t.c.id == case_t.c.claim_id)
            .where(claim_t.c.patient_control_number == pcn)
        ).one()
    return dict(row._mapping)


def _routing(case: dict[str, Any]) -> dict[str, Any]:
    return {name: case[name] for name in ROUTED_FIELDS}


def _codes(engine: Engine, case_id: int) -> list[tuple[str, str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(case_adj_t.c.reason_code, case_adj_t.c.category, case_adj_t.c.owner)
            .where(case_adj_t.c.case_id == case_id)
            .order_by(case_adj_t.c.id)
        ).all()
    return [tuple(r) for r in rows]


def _stored(engine: Engine) -> None:
    """Four CO-50 denials of PAYER1 (one with a second, larger CO-16) and one of PAYER2."""
    ingest(
        engine,
        remittance(
            [
                claim("OPEN", charge="400", paid="0", adjustments=CO50),
                claim("HANDSET", charge="400", paid="0", adjustments=CO50),
                claim("CLOSED", charge="400", paid="0", adjustments=CO50),
                claim(
                    "TWO",
                    charge="1000",
                    paid="0",
                    adjustments=[("CO", "16", "600"), ("CO", "50", "400")],
                ),
            ]
        ),
    )
    ingest(
        engine,
        remittance([claim("OTHER", charge="400", paid="0", adjustments=CO50)], payer_id="PAYER2"),
    )


def test_reclassify_reroutes_open_cases_like_an_opening_and_audits_each_change(
    engine: Engine,
) -> None:
    _stored(engine)
    handset = _case_of(engine, "HANDSET")["id"]
    set_owner(engine, handset, "coding_him", user="lee")
    closed = _case_of(engine, "CLOSED")["id"]
    move(engine, closed, "triaged", user="lee")
    move(engine, closed, "written_off", user="lee")
    before = {pcn: _case_of(engine, pcn) for pcn in ("OPEN", "HANDSET", "CLOSED", "TWO", "OTHER")}
    assert before["OPEN"]["category"] == "medical_necessity"
    assert before["OPEN"]["owner"] == "ur_cdi"

    made = add_override(engine, OVERRIDE, actor="dana")
    # what a case opened under the new rules looks like: the target of re-routing
    ingest(engine, remittance([claim("FRESH", charge="400", paid="0", adjustments=CO50)]))
    fresh = _case_of(engine, "FRESH")
    assert fresh["category"] == "authorization"
    assert _routing(fresh) != _routing(before["OPEN"])

    summary = reclassify(engine, actor="dana")
    # OPEN, HANDSET and FRESH... FRESH was opened under the override: unchanged
    assert summary.cases_rerouted == 2  # OPEN and HANDSET (TWO's CO-16 routes it)
    assert summary.owners_kept == 1  # HANDSET
    assert summary.cases_no_longer_denied == 0

    after = {pcn: _case_of(engine, pcn) for pcn in before}
    assert _routing(after["OPEN"]) == _routing(fresh)
    assert after["OPEN"]["version"] == before["OPEN"]["version"] + 1
    # the stored priority follows the new owner and category (same claim shape as FRESH)
    for column in ("p_overturn", "p_source", "cost_to_work", "expected_recovery"):
        assert after["OPEN"][column] == fresh[column], column
    assert after["OPEN"]["cost_to_work"] != before["OPEN"]["cost_to_work"]
    # a hand-set owner stays; the rest of the routing follows the rules
    assert after["HANDSET"]["owner"] == "coding_him"
    assert after["HANDSET"]["category"] == "authorization"
    assert after["HANDSET"]["next_action"] == fresh["next_action"]
    # closed cases, other payers and a case routed by another (larger) denial: untouched
    for pcn in ("CLOSED", "OTHER"):
        assert after[pcn] == before[pcn], pcn
    assert _routing(after["TWO"]) == _routing(before["TWO"])
    # ... but TWO's denial codes carry their new classification, CLOSED's do not
    assert _codes(engine, after["TWO"]["id"]) == [
        ("16", "missing_information", "billing"),
        ("50", "authorization", fresh["owner"]),
    ]
    assert _codes(engine, closed) == [("50", "medical_necessity", "ur_cdi")]

    trail = [e for e in events(engine, after["OPEN"]["id"]) if e.action == ACTION]
    changed = {name for name in ROUTED_FIELDS if _routing(before["OPEN"])[name] != fresh[name]}
    assert {e.field for e in trail} == changed
    for event in trail:
        assert event.actor == "dana"
        assert event.old_value == before["OPEN"][event.field]
        assert event.new_value == fresh[event.field]
        assert event.note == f"rules {summary.ruleset_version}: rule {made.rule_id}"
    kept = [e for e in events(engine, handset) if e.action == ACTION]
    assert "owner" not in {e.field for e in kept} and "category" in {e.field for e in kept}

    # idempotent: nothing left to change, nothing written
    again = reclassify(engine, actor="dana")
    assert (again.cases_rerouted, again.owners_kept) == (0, 1)
    assert _case_of(engine, "OPEN")["version"] == after["OPEN"]["version"]
    assert len([e for e in events(engine, after["OPEN"]["id"]) if e.action == ACTION]) == len(trail)

    # and back: removing the override routes the case as it first opened
    delete_override(engine, made.id, actor="dana", expected_version=made.version)
    reclassify(engine, actor="dana")
    back = _case_of(engine, "OPEN")
    assert _routing(back) == _routing(before["OPEN"])
    assert {c: back[c] for c in SCORE_COLUMNS} == {c: before["OPEN"][c] for c in SCORE_COLUMNS}


def test_a_case_whose_claim_is_no_longer_denied_is_counted_not_changed(engine: Engine) -> None:
    ingest(engine, remittance([claim("GONE", charge="400", paid="0", adjustments=CO50)]))
    before = _case_of(engine, "GONE")
    add_override(engine, OverrideSpec(carc="50", group="CO", category="contractual"), actor="d")
    summary = reclassify(engine)
    assert summary.cases_no_longer_denied == 1 and summary.cases_rerouted == 0
    assert _case_of(engine, "GONE") == before


def test_the_cli_reroutes_under_the_user_it_names(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, remittance([claim("CLI", charge="400", paid="0", adjustments=CO50)]))
    rules = tmp_path / "rules.yaml"
    rules.write_text('rules:\n  - {group: CO, carc: "50", category: authorization}\n', "utf-8")
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        app, ["reclassify", "--db", url, "--rules", str(rules), "--user", "sam", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cases_rerouted"] == 1
    case = get_case(engine, _case_of(engine, "CLI")["id"])
    assert case.category == "authorization"
    assert {e.actor for e in events(engine, case.id) if e.action == ACTION} == {"sam"}
