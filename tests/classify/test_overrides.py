"""The database's own rule overrides: validated like a rules file, applied by ingest,
``reclassify`` and the CLI alike, above the user file, with their history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from denialops.classify import load_rules
from denialops.classify.apply import reclassify
from denialops.classify.overrides import (
    DATABASE_SOURCE,
    OverrideSpec,
    add_override,
    check_override,
    database_rules,
    delete_override,
    list_overrides,
    override_history,
    rules_in_force,
    update_override,
)
from denialops.cli import app
from denialops.errors import ConflictError, RulesError
from denialops.store import schema
from tests.work.builders import claim, ingest, remittance

ADJ = schema.Adjustment.__table__
CLAIM = schema.Claim.__table__


def _categories(engine: Engine) -> dict[str, tuple[str, str | None]]:
    """PCN -> (category, rule id) of its one adjustment."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(CLAIM.c.patient_control_number, ADJ.c.category, ADJ.c.rule_id).join(
                CLAIM, CLAIM.c.id == ADJ.c.claim_id
            )
        ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (OverrideSpec(carc="50", category="no_such_cause"), "unknown category 'no_such_cause'"),
        (OverrideSpec(carc="99999", category="documentation"), "not a well-formed CARC"),
        (OverrideSpec(carc="50", category="documentation", family="cosmic"), "unknown family"),
        (
            OverrideSpec(
                carc="50", group="CO", category="documentation", next_action="bill_patient"
            ),
            "balance billing",
        ),
        (OverrideSpec(carc="50", group="XX", category="documentation"), "unknown group code"),
    ],
)
def test_an_override_is_checked_by_the_rules_file_loader(spec: OverrideSpec, message: str) -> None:
    with pytest.raises(RulesError) as caught:
        check_override(spec.normalized())
    text = str(caught.value)
    assert message in text
    assert "\n" not in text  # one line, shown next to the form


def test_a_valid_override_passes_and_is_normalised() -> None:
    spec = OverrideSpec(carc=" 50 ", category="documentation", group="co", rarc="n115 ")
    clean = spec.normalized()
    assert (clean.carc, clean.group, clean.rarc, clean.payer) == ("50", "CO", "N115", None)
    check_override(clean)
    assert clean.describe() == "CO-50+N115 -> documentation"


def test_overrides_apply_to_ingest_reclassify_and_the_cli_alike(
    engine: Engine, tmp_path: Path
) -> None:
    co50 = [("CO", "50", "400")]
    ingest(
        engine,
        remittance([claim("BEFORE", charge="400", paid="0", adjustments=co50)], payer_id="P1"),
    )
    assert _categories(engine)["BEFORE"][0] == "medical_necessity"

    made = add_override(
        engine,
        OverrideSpec(carc="50", group="CO", payer="P1", category="documentation", owner="ur_cdi"),
        actor="dana",
    )
    assert made.rule_id == f"db-{made.id}"
    # ingest from now on uses it (the pipeline's classify step reads the table)
    ingest(
        engine,
        remittance([claim("AFTER", charge="400", paid="0", adjustments=co50)], payer_id="P1"),
    )
    ingest(
        engine,
        remittance([claim("OTHER", charge="400", paid="0", adjustments=co50)], payer_id="P2"),
    )
    found = _categories(engine)
    assert found["AFTER"] == ("documentation", made.rule_id)
    assert found["OTHER"][0] == "medical_necessity"  # another payer: shipped rule
    assert found["BEFORE"][0] == "medical_necessity"  # stored before: until reclassified

    summary = reclassify(engine)
    assert summary.moves == {"medical_necessity -> documentation": 1}
    assert _categories(engine)["BEFORE"] == ("documentation", made.rule_id)

    # the CLI on that database agrees: nothing left to change, even with a user file
    # that says otherwise about CO-50 (the database's overrides win over the file)
    user = tmp_path / "rules.yaml"
    user.write_text('rules:\n  - {group: CO, carc: "50", category: coverage_policy}\n', "utf-8")
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["reclassify", "--db", url, "--rules", str(user), "--json"])
    assert result.exit_code == 0, result.output
    moves = json.loads(result.stdout)["moves"]
    assert moves == {"medical_necessity -> coverage_policy": 1}  # only P2's claim
    assert _categories(engine)["AFTER"][0] == "documentation"

    with engine.connect() as conn:
        combined = database_rules(conn, load_rules(user))
    assert combined.sources[-1] == DATABASE_SOURCE
    assert database_rules(engine.connect(), combined) is combined  # never twice


def test_history_keeps_who_when_before_and_after(engine: Engine) -> None:
    first = add_override(engine, OverrideSpec(carc="16", category="missing_information"), actor="a")
    with pytest.raises(ConflictError):
        add_override(engine, OverrideSpec(carc="16", category="documentation"), actor="b")
    edited = update_override(
        engine,
        first.id,
        OverrideSpec(carc="16", category="documentation", note="per payer bulletin"),
        actor="b",
        expected_version=1,
    )
    assert edited.version == 2 and edited.spec.category == "documentation"
    with pytest.raises(ConflictError):
        update_override(
            engine,
            first.id,
            OverrideSpec(carc="16", category="units"),
            actor="c",
            expected_version=1,
        )
    with pytest.raises(RulesError):
        update_override(engine, first.id, OverrideSpec(carc="16", category="nope"), actor="c")
    delete_override(engine, first.id, actor="c")
    assert list_overrides(engine) == []
    history = override_history(engine)
    assert [(h.change, h.actor) for h in history] == [("delete", "c"), ("edit", "b"), ("add", "a")]
    assert history[1].before is not None and history[1].before.category == "missing_information"
    assert history[1].after is not None and history[1].after.note == "per payer bulletin"
    assert history[0].after is None and history[2].before is None
    assert history[1].to_json()["after_text"] == "CARC 16 -> documentation"
    assert rules_in_force(engine).sources[-1] != DATABASE_SOURCE  # none left
