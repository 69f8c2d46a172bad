"""Settings of the web application, in one validated object.

Secure cookies are the default; plain-HTTP cookies are allowed only when the server
listens on a loopback address (``denialops serve`` decides), so a deployment cannot
forget them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class WebSettings:
    db_url: str | None = None
    secure_cookies: bool = True
    idle_timeout: timedelta = timedelta(minutes=30)
    session_lifetime: timedelta = timedelta(hours=12)
    max_upload_bytes: int = 50 * 1024 * 1024
    max_zip_members: int = 500
    max_zip_ratio: int = 100
    """A zip member may expand to at most this many times its compressed size."""
    max_zip_total_bytes: int = 500 * 1024 * 1024
    login_attempts: int = 5
    login_window: timedelta = timedelta(minutes=5)
    documents_dir: Path | None = None
    """Where attached documents are kept (default: $DENIALOPS_DOCUMENTS_DIR, else XDG)."""
    upload_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("DENIALOPS_UPLOAD_DIR", "uploads"))
    )

    @property
    def session_cookie(self) -> str:
        # The __Host- prefix makes the browser insist on Secure, path=/ and no Domain.
        return "__Host-denialops_session" if self.secure_cookies else "denialops_session"

    @property
    def login_cookie(self) -> str:
        return "__Host-denialops_login" if self.secure_cookies else "denialops_login"


def for_host(host: str, *, insecure_http: bool, **kwargs: object) -> WebSettings:
    """Settings for a server on ``host``; plain-HTTP cookies only on loopback."""
    if insecure_http and host not in LOOPBACK_HOSTS:
        raise ValueError(
            f"--insecure-http is only allowed on a loopback address, not {host!r}: "
            "serve over HTTPS (e.g. behind a TLS proxy) instead"
        )
    return WebSettings(secure_cookies=not insecure_http, **kwargs)  # type: ignore[arg-type]
