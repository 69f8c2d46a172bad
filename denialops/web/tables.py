"""Tables of the web application: credentials, sessions, API tokens, audit.

Saved queue views live in :mod:`denialops.work.views`, action plans in
:mod:`denialops.plans`.

People are the ``app_user`` rows of the denial register (:mod:`denialops.work.tables`);
``app_user.role`` holds one of the roles of :mod:`denialops.web.permissions`. Only a
user with a ``web_credential`` row can log in. Secrets are never stored: sessions and API
tokens are kept as the SHA-256 of the random token the client holds, passwords as argon2
hashes. ``web_audit`` records what is not a change to a case (logins, uploads, user
administration); case views and case changes go to ``case_event`` like every other
change of a case.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from denialops.store.schema import Base


class WebCredential(Base):
    """The password of a user who may log in (argon2id hash), and whether it is active."""

    __tablename__ = "web_credential"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A browser session: the cookie's token is kept only as its SHA-256."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A token for scripts (``Authorization: Bearer ...``), kept as its SHA-256."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebAudit(Base):
    """Append-only record of what users did outside a case (login, upload, users)."""

    __tablename__ = "web_audit"
    __table_args__ = (Index("ix_web_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str | None] = mapped_column(Text)
