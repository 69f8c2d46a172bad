"""Saved views of the work queue: a named set of filters and a sort, per user.

A view is the query string of the queue (``owner=coding_him&carc=50&sort=amount``),
kept only with the names the queue understands, so applying it is opening
``/queue?<query>`` (or calling the cases API with it). A view belongs to the user who
saved it; ``shared`` shows it to everyone else too (read only: only its owner deletes
it). Names are unique per user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    false,
    insert,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from denialops.errors import ConflictError, InputError, NotFoundError
from denialops.store.schema import Base
from denialops.work.store import aware, ensure_user, now, transaction, user_t

QUERY_NAMES = frozenset(
    {
        "owner",
        "assignee",
        "state",
        "payer",
        "family",
        "category",
        "carc",
        "min_amount",
        "max_amount",
        "date_from",
        "date_to",
        "overdue",
        "q",
        "include_closed",
        "sort",
        "limit",
    }
)
"""The queue's query parameters a view may keep (never a page cursor)."""
MAX_NAME = 64
MAX_QUERY = 2048


class SavedView(Base):
    """A named work-queue filter (the query string of the queue page) of one user
    (created by revision 0006; ``shared`` by 0013)."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_view_user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    name: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


view_t = cast(Table, SavedView.__table__)


@dataclass(frozen=True, slots=True)
class View:
    id: int
    name: str
    query: str
    shared: bool
    owner: str
    created_at: datetime

    def to_json(self, login: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "query": self.query,
            "shared": self.shared,
            "owner": self.owner,
            "mine": self.owner == login,
            "url": f"/queue?{self.query}",
            "created_at": self.created_at.isoformat(),
        }


def clean_query(query: str) -> str:
    """The queue query string with only the names a view keeps, empty values dropped;
    InputError naming an unknown parameter."""
    text = query.strip().lstrip("?")
    if len(text) > MAX_QUERY:
        raise InputError(f"a view's filters must be at most {MAX_QUERY} characters")
    pairs = parse_qsl(text, keep_blank_values=False)
    unknown = sorted({name for name, _ in pairs if name not in QUERY_NAMES})
    if unknown:
        raise InputError(f"unknown queue filter {unknown[0]!r} in the view")
    return urlencode(pairs)


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME:
        raise InputError(f"a view's name must be 1 to {MAX_NAME} characters")
    return clean


def _query() -> Any:
    return select(
        view_t.c.id,
        view_t.c.name,
        view_t.c.query,
        view_t.c.shared,
        user_t.c.login,
        view_t.c.created_at,
    ).join(user_t, user_t.c.id == view_t.c.user_id)


def _view(row: Any) -> View:
    return View(
        int(row.id),
        row.name,
        row.query,
        bool(row.shared),
        row.login,
        aware(row.created_at),
    )


def _user_id(conn: Connection, login: str) -> int:
    ensure_user(conn, login)
    return int(conn.execute(select(user_t.c.id).where(user_t.c.login == login)).scalar_one())


def save_view(
    engine_or_conn: Engine | Connection,
    login: str,
    name: str,
    query: str,
    *,
    shared: bool = False,
) -> View:
    """Save the queue's filters under a name of ``login``'s; ConflictError when the
    user already has a view of that name."""
    clean = _clean_name(name)
    kept = clean_query(query)
    with transaction(engine_or_conn, write=True) as conn:
        user_id = _user_id(conn, login)
        taken = conn.execute(
            select(view_t.c.id).where(view_t.c.user_id == user_id, view_t.c.name == clean)
        ).first()
        if taken is not None:
            raise ConflictError(f"you already have a view named {clean!r}")
        view_id = conn.execute(
            insert(view_t)
            .values(user_id=user_id, name=clean, query=kept, shared=shared, created_at=now())
            .returning(view_t.c.id)
        ).scalar_one()
        return _view(conn.execute(_query().where(view_t.c.id == view_id)).one())


def list_views(engine_or_conn: Engine | Connection, login: str) -> list[View]:
    """``login``'s views and the views others share, the user's own first, by name."""
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(
            _query()
            .where(or_(user_t.c.login == login, view_t.c.shared.is_(True)))
            .order_by(view_t.c.name, view_t.c.id)
        ).all()
    views = [_view(r) for r in rows]
    return [v for v in views if v.owner == login] + [v for v in views if v.owner != login]


def delete_view(engine_or_conn: Engine | Connection, login: str, view_id: int) -> View:
    """Delete one of ``login``'s own views; NotFoundError when ``login`` has no such view
    (someone else's view, shared or not, is not theirs to delete)."""
    with transaction(engine_or_conn, write=True) as conn:
        row = conn.execute(_query().where(view_t.c.id == view_id, user_t.c.login == login)).first()
        if row is None:
            raise NotFoundError(f"you have no saved view {view_id}")
        conn.execute(delete(view_t).where(view_t.c.id == view_id))
        return _view(row)
