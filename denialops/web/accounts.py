"""Users who log in, their sessions and API tokens, and the web audit trail.

A library like the rest of denialops: ``denialops user add`` and the web routes call the
same functions, which take an Engine (or a Connection inside the caller's transaction).
Session and API tokens are returned to the caller once and stored only as digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

from denialops.errors import AccountError
from denialops.web import security
from denialops.web.permissions import check_role
from denialops.web.tables import ApiToken, WebAudit, WebCredential, WebSession
from denialops.work.cases import transaction, user_t

credential_t = cast(Table, WebCredential.__table__)
session_t = cast(Table, WebSession.__table__)
token_t = cast(Table, ApiToken.__table__)
web_audit_t = cast(Table, WebAudit.__table__)

TOUCH_EVERY = timedelta(seconds=60)
"""A session's last-seen time is written at most this often (reads stay reads)."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    login: str
    role: str
    display_name: str
    active: bool


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    user: User
    csrf_token: str


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    login: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _check_login(login: str) -> str:
    if not login or len(login) > 64 or not all(c.isalnum() or c in "._-@" for c in login):
        raise AccountError("a login is 1 to 64 letters, digits or . _ - @ (no spaces)")
    return login


def _user(row: Any) -> User:
    return User(
        id=int(row.id),
        login=row.login,
        role=row.role,
        display_name=row.display_name,
        active=bool(row.active),
    )


def _user_query() -> Any:
    return select(
        user_t.c.id,
        user_t.c.login,
        user_t.c.role,
        user_t.c.display_name,
        credential_t.c.active,
    ).join(credential_t, credential_t.c.user_id == user_t.c.id)


def add_user(
    engine_or_conn: Engine | Connection,
    login: str,
    *,
    role: str,
    password: str,
    display_name: str = "",
    actor: str = "system",
) -> User:
    """Create a user who can log in (or give an existing case-register login a password)."""
    _check_login(login)
    try:
        check_role(role)
        password_hash = security.hash_password(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    with transaction(engine_or_conn, write=True) as conn:
        row = conn.execute(select(user_t.c.id).where(user_t.c.login == login)).first()
        if row is None:
            user_id = int(
                conn.execute(
                    insert(user_t)
                    .values(login=login, display_name=display_name, role=role, created_at=_now())
                    .returning(user_t.c.id)
                ).scalar_one()
            )
        else:
            user_id = int(row.id)
            if conn.execute(
                select(credential_t.c.user_id).where(credential_t.c.user_id == user_id)
            ).first():
                raise AccountError(f"user {login!r} already exists")
            conn.execute(
                update(user_t)
                .where(user_t.c.id == user_id)
                .values(role=role, display_name=display_name)
            )
        conn.execute(
            insert(credential_t).values(
                user_id=user_id, password_hash=password_hash, active=True, changed_at=_now()
            )
        )
        record(conn, actor, "user_add", login, f"role {role}")
        return get_user(conn, login)


def get_user(engine_or_conn: Engine | Connection, login: str) -> User:
    with transaction(engine_or_conn) as conn:
        row = conn.execute(_user_query().where(user_t.c.login == login)).first()
    if row is None:
        raise AccountError(f"no user {login!r}")
    return _user(row)


def list_users(engine_or_conn: Engine | Connection) -> list[User]:
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(_user_query().order_by(user_t.c.login)).all()
    return [_user(r) for r in rows]


def update_user(
    engine_or_conn: Engine | Connection,
    login: str,
    *,
    actor: str,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, active flag or password; deactivating ends their sessions."""
    try:
        if role is not None:
            check_role(role)
        password_hash = security.hash_password(password) if password is not None else None
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    with transaction(engine_or_conn, write=True) as conn:
        user = get_user(conn, login)
        if role is not None:
            conn.execute(update(user_t).where(user_t.c.id == user.id).values(role=role))
            record(conn, actor, "user_role", login, f"{user.role} -> {role}")
        values: dict[str, object] = {}
        if active is not None:
            values["active"] = active
            record(conn, actor, "user_active", login, str(active).lower())
        if password_hash is not None:
            values.update(password_hash=password_hash, changed_at=_now())
            record(conn, actor, "user_password", login, None)
        if values:
            conn.execute(
                update(credential_t).where(credential_t.c.user_id == user.id).values(**values)
            )
        if active is False or password_hash is not None:
            conn.execute(delete(session_t).where(session_t.c.user_id == user.id))
        return get_user(conn, login)


def authenticate(engine_or_conn: Engine | Connection, login: str, password: str) -> User | None:
    """The active user with this login and password, else None (same cost either way)."""
    with transaction(engine_or_conn) as conn:
        row = conn.execute(
            select(
                user_t.c.id,
                user_t.c.login,
                user_t.c.role,
                user_t.c.display_name,
                credential_t.c.active,
                credential_t.c.password_hash,
            )
            .join(credential_t, credential_t.c.user_id == user_t.c.id)
            .where(user_t.c.login == login)
        ).first()
    ok = security.verify_password(row.password_hash if row else None, password)
    if row is None or not ok or not row.active:
        return None
    return _user(row)


# ---------------------------------------------------------------------------- sessions


def start_session(engine_or_conn: Engine | Connection, user: User) -> tuple[str, str]:
    """A new session for ``user``: (cookie token, CSRF token). Only digests are stored."""
    token, csrf = security.new_token(), security.new_token()
    stamp = _now()
    with transaction(engine_or_conn, write=True) as conn:
        conn.execute(
            insert(session_t).values(
                token_hash=security.digest(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=stamp,
                last_seen_at=stamp,
            )
        )
        record(conn, user.login, "login", None, None)
    return token, csrf


def session_for(
    engine_or_conn: Engine | Connection,
    token: str,
    *,
    idle: timedelta,
    lifetime: timedelta,
) -> SessionInfo | None:
    """The live session of a cookie token, else None; an idle or too old one is ended."""
    stamp = _now()
    with transaction(engine_or_conn) as conn:
        row = conn.execute(
            select(
                session_t.c.id.label("session_id"),
                session_t.c.csrf_token,
                session_t.c.created_at,
                session_t.c.last_seen_at,
                user_t.c.id,
                user_t.c.login,
                user_t.c.role,
                user_t.c.display_name,
                credential_t.c.active,
            )
            .join(user_t, user_t.c.id == session_t.c.user_id)
            .join(credential_t, credential_t.c.user_id == user_t.c.id)
            .where(session_t.c.token_hash == security.digest(token))
        ).first()
    if row is None:
        return None
    seen = _aware(row.last_seen_at)
    expired = stamp - seen > idle or stamp - _aware(row.created_at) > lifetime
    if expired or not row.active:
        with transaction(engine_or_conn, write=True) as conn:
            conn.execute(delete(session_t).where(session_t.c.id == row.session_id))
        return None
    if stamp - seen > TOUCH_EVERY:
        with transaction(engine_or_conn, write=True) as conn:
            conn.execute(
                update(session_t).where(session_t.c.id == row.session_id).values(last_seen_at=stamp)
            )
    return SessionInfo(id=int(row.session_id), user=_user(row), csrf_token=row.csrf_token)


def end_session(engine_or_conn: Engine | Connection, token: str) -> None:
    with transaction(engine_or_conn, write=True) as conn:
        row = conn.execute(
            select(session_t.c.id, user_t.c.login)
            .join(user_t, user_t.c.id == session_t.c.user_id)
            .where(session_t.c.token_hash == security.digest(token))
        ).first()
        if row is not None:
            conn.execute(delete(session_t).where(session_t.c.id == row.id))
            record(conn, row.login, "logout", None, None)


# ---------------------------------------------------------------------------- API tokens


def create_token(
    engine_or_conn: Engine | Connection, login: str, name: str, *, actor: str
) -> tuple[int, str]:
    """A new API token for ``login``: (id, token). The token is shown once, stored hashed."""
    if not name.strip() or len(name) > 64:
        raise AccountError("a token name is 1 to 64 characters")
    token = security.new_token()
    with transaction(engine_or_conn, write=True) as conn:
        user = get_user(conn, login)
        token_id = int(
            conn.execute(
                insert(token_t)
                .values(
                    token_hash=security.digest(token),
                    user_id=user.id,
                    name=name,
                    created_at=_now(),
                )
                .returning(token_t.c.id)
            ).scalar_one()
        )
        record(conn, actor, "token_create", login, name)
    return token_id, token


def list_tokens(engine_or_conn: Engine | Connection, login: str | None = None) -> list[TokenInfo]:
    query = (
        select(token_t, user_t.c.login)
        .join(user_t, user_t.c.id == token_t.c.user_id)
        .order_by(token_t.c.id)
    )
    if login is not None:
        query = query.where(user_t.c.login == login)
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(query).all()
    return [
        TokenInfo(
            id=int(r.id),
            login=r.login,
            name=r.name,
            created_at=_aware(r.created_at),
            last_used_at=_aware(r.last_used_at) if r.last_used_at else None,
            revoked_at=_aware(r.revoked_at) if r.revoked_at else None,
        )
        for r in rows
    ]


def revoke_token(
    engine_or_conn: Engine | Connection, token_id: int, *, actor: str, login: str | None = None
) -> None:
    """Revoke a token (only one of ``login``'s when given)."""
    with transaction(engine_or_conn, write=True) as conn:
        query = select(token_t.c.id, user_t.c.login).join(user_t, user_t.c.id == token_t.c.user_id)
        row = conn.execute(query.where(token_t.c.id == token_id)).first()
        if row is None or (login is not None and row.login != login):
            raise AccountError(f"no API token {token_id}")
        conn.execute(update(token_t).where(token_t.c.id == token_id).values(revoked_at=_now()))
        record(conn, actor, "token_revoke", row.login, str(token_id))


def token_user(engine_or_conn: Engine | Connection, token: str) -> User | None:
    """The active user an unrevoked API token belongs to, else None."""
    with transaction(engine_or_conn) as conn:
        row = conn.execute(
            _user_query()
            .add_columns(token_t.c.id.label("token_id"), token_t.c.last_used_at)
            .join(token_t, token_t.c.user_id == user_t.c.id)
            .where(token_t.c.token_hash == security.digest(token), token_t.c.revoked_at.is_(None))
        ).first()
    if row is None or not row.active:
        return None
    stamp = _now()
    if row.last_used_at is None or stamp - _aware(row.last_used_at) > TOUCH_EVERY:
        with transaction(engine_or_conn, write=True) as conn:
            conn.execute(
                update(token_t).where(token_t.c.id == row.token_id).values(last_used_at=stamp)
            )
    return _user(row)


# ---------------------------------------------------------------------------- audit


def record(
    engine_or_conn: Engine | Connection,
    actor: str,
    action: str,
    target: str | None,
    detail: str | None,
) -> None:
    """Append one row to ``web_audit`` (never patient data: ids, logins, file names)."""
    with transaction(engine_or_conn, write=True) as conn:
        conn.execute(
            insert(web_audit_t).values(
                at=_now(), actor=actor, action=action, target=target, detail=detail
            )
        )


def audit_entries(engine_or_conn: Engine | Connection, limit: int = 100) -> list[dict[str, Any]]:
    with transaction(engine_or_conn) as conn:
        rows = conn.execute(
            select(web_audit_t).order_by(web_audit_t.c.id.desc()).limit(limit)
        ).all()
    return [dict(r._mapping) for r in rows]
