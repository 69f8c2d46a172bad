"""Saved views of the work queue: per user, optionally shared, only the owner deletes."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from denialops.errors import ConflictError, InputError, NotFoundError
from denialops.work.views import clean_query, delete_view, list_views, save_view


def test_views_are_per_user_shared_ones_are_seen_and_only_the_owner_deletes(
    engine: Engine,
) -> None:
    mine = save_view(engine, "dana", "CO-50 big", "?carc=50&min_amount=1000&sort=amount")
    assert mine.query == "carc=50&min_amount=1000&sort=amount"
    team = save_view(engine, "lee", "Team backlog", "owner=coding_him", shared=True)
    save_view(engine, "lee", "Lee private", "assignee=lee")
    assert [v.name for v in list_views(engine, "dana")] == ["CO-50 big", "Team backlog"]
    assert [v.name for v in list_views(engine, "lee")] == ["Lee private", "Team backlog"]
    assert list_views(engine, "dana")[1].to_json("dana")["mine"] is False
    assert list_views(engine, "dana")[0].to_json("dana")["url"] == f"/queue?{mine.query}"

    with pytest.raises(ConflictError):
        save_view(engine, "dana", "CO-50  big", "carc=50")  # same name once spaces are folded
    save_view(engine, "lee", "CO-50 big", "carc=50")  # another user may use the name
    with pytest.raises(NotFoundError):
        delete_view(engine, "dana", team.id)  # shared with dana, not hers
    assert delete_view(engine, "dana", mine.id).name == "CO-50 big"
    assert [v.name for v in list_views(engine, "dana")] == ["Team backlog"]


@pytest.mark.parametrize(
    ("query", "message"),
    [("after=abc", "unknown queue filter 'after'"), ("x=1&carc=50", "unknown queue filter 'x'")],
)
def test_a_view_keeps_only_queue_filters(query: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        clean_query(query)
    assert clean_query("carc=&state=denied&state=triaged") == "state=denied&state=triaged"


def test_a_view_needs_a_name(engine: Engine) -> None:
    with pytest.raises(InputError):
        save_view(engine, "dana", "   ", "carc=50")
