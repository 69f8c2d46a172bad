"""`denialops ingest --repair separators` on a public sample whose composites use ':'
while its ISA16 says '>' (tests/fixtures/835/public/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from denialops.cli import app
from denialops.store.schema import Remittance
from tests.store.helpers import row_counts, url_of

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "835" / "public"
SAMPLE = SAMPLE / "editools_4010_cartoon.835"


def test_repair_separators_is_opt_in_on_the_command_line(engine: Engine, tmp_path: Path) -> None:
    url = url_of(engine)
    plain = CliRunner().invoke(app, ["ingest", str(SAMPLE), "--db", url, "--json"])
    assert plain.exit_code == 1, plain.output
    assert json.loads(plain.stdout)["transactions"] == 0
    assert "component separator is '>' (ISA16); ':' found" in plain.stderr

    copy = tmp_path / "same-bytes-new-name.835"  # a new file: not skipped as ingested
    copy.write_bytes(SAMPLE.read_bytes() + b"\n")
    args = ["ingest", str(copy), "--db", url, "--json", "--repair", "separators"]
    repaired = CliRunner().invoke(app, args)
    summary = json.loads(repaired.stdout)
    assert summary["transactions"] == 1, repaired.output
    assert row_counts(engine)["remittance"] == 1
    # the repair is said in the run's summary and kept on the stored remittance,
    # with the version the remittance came in
    assert any("--repair separators" in w["warning"] for w in summary["warnings"])
    with engine.connect() as conn:
        (detail,) = conn.execute(select(Remittance.detail)).scalars()
    assert detail["implementation_version"].startswith("004010X091")
    assert any("--repair separators" in w for w in detail["warnings"])

    bad = CliRunner().invoke(app, ["ingest", str(copy), "--db", url, "--repair", "everything"])
    assert bad.exit_code == 2
    assert "--repair 'everything' is not known" in bad.stderr
