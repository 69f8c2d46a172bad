"""Login rate limiting: too many failures from one address or for one login are refused.

Kept in the server's memory (one ``denialops serve`` process); a restart forgets it,
which only shortens a lock-out.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class LoginLimiter:
    """At most ``attempts`` failures per ``window`` seconds per client address and login."""

    def __init__(
        self, attempts: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        return stamps

    def retry_after(self, address: str, login: str) -> int:
        """Seconds to wait before trying again, 0 when a try is allowed now."""
        now = self.clock()
        with self._lock:
            waits = [
                self.window - (now - stamps[0])
                for key in (f"ip:{address}", f"login:{login.lower()}")
                if len(stamps := self._recent(key, now)) >= self.attempts
            ]
        return int(max(waits)) + 1 if waits else 0

    def failed(self, address: str, login: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (f"ip:{address}", f"login:{login.lower()}"):
                self._recent(key, now).append(now)

    def succeeded(self, login: str) -> None:
        with self._lock:
            self._failures.pop(f"login:{login.lower()}", None)
