"""Every command and option explains itself: --help text is part of the product."""

from __future__ import annotations

from typing import Any

import typer.main
from typer.testing import CliRunner

from denialops.cli import app


def _walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """Every command of the tree (Typer vendors click, so walk it by its attributes)."""
    found = [(" ".join(path), command)]
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            found.extend(_walk(sub, (*path, name)))
    return found


COMMANDS = _walk(typer.main.get_command(app))


def test_the_walk_sees_every_command_group() -> None:
    paths = {path for path, _cmd in COMMANDS}
    assert {"ingest", "classify", "queue", "report kpis", "case move", "appeal letter"} <= paths


def test_every_command_has_help_text() -> None:
    missing = [path for path, cmd in COMMANDS if path and not (cmd.help or "").strip()]
    assert missing == []


def test_every_option_and_argument_has_help_text() -> None:
    missing = [
        f"{path} {param.name}"
        for path, cmd in COMMANDS
        for param in cmd.params
        if param.param_type_name == "option" and not (param.help or "").strip()
    ]
    assert missing == []


def test_help_runs_for_every_command() -> None:
    runner = CliRunner()
    for path, _cmd in COMMANDS:
        result = runner.invoke(app, [*path.split(), "--help"] if path else ["--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("denialops ")
