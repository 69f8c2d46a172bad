"""``denialops user add|list|set|token``: the real commands through Typer's runner."""

from __future__ import annotations

from typer.testing import CliRunner

from denialops.cli import app
from denialops.store.db import make_engine
from denialops.web.accounts import authenticate, token_user


def test_user_add_list_set_and_token(sqlite_url: str) -> None:
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "user",
            "add",
            "dana",
            "--role",
            "manager",
            "--password",
            "long enough pw",
            "--db",
            sqlite_url,
        ],
    )
    assert added.exit_code == 0, added.output
    assert "user dana added with role manager" in added.output
    listed = runner.invoke(app, ["user", "list", "--db", sqlite_url])
    assert "dana" in listed.output and "manager" in listed.output
    bad = runner.invoke(
        app,
        ["user", "add", "x", "--role", "boss", "--password", "long enough pw", "--db", sqlite_url],
    )
    assert bad.exit_code == 2 and "unknown role 'boss'" in bad.output
    short = runner.invoke(
        app, ["user", "add", "y", "--role", "viewer", "--password", "short", "--db", sqlite_url]
    )
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    token = runner.invoke(app, ["user", "token", "dana", "--db", sqlite_url])
    assert token.exit_code == 0
    secret = token.output.split(": ", 1)[1].split()[0]
    engine = make_engine(sqlite_url)
    try:
        assert authenticate(engine, "dana", "long enough pw") is not None
        assert token_user(engine, secret) is not None
        runner.invoke(app, ["user", "set", "dana", "--inactive", "--db", sqlite_url])
        assert authenticate(engine, "dana", "long enough pw") is None
    finally:
        engine.dispose()


def test_serve_refuses_plain_http_on_a_public_address() -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "HTTPS" in result.output


def test_the_demo_user_is_created_once_and_only_on_loopback(sqlite_url: str) -> None:
    import pytest
    import typer

    from denialops.commands.serve import DEMO_PASSWORD, DEMO_USER, _ensure_demo_user
    from denialops.store.migrate import migrated_engine

    engine = migrated_engine(sqlite_url)
    try:
        _ensure_demo_user(engine, "127.0.0.1")
        _ensure_demo_user(engine, "127.0.0.1")  # already there: nothing to do
        user = authenticate(engine, DEMO_USER, DEMO_PASSWORD)
        assert user is not None and user.role == "manager"
        with pytest.raises(typer.Exit):
            _ensure_demo_user(engine, "10.0.0.5")
    finally:
        engine.dispose()
