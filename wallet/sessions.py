"""Unlocked holder sessions, in memory only: a restart locks every wallet again.

A session token is a random bearer secret; the unlocked seed never leaves the process
and is forgotten when the session expires.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass


@dataclass(slots=True)
class Session:
    holder_id: str
    seed: bytes
    expires_at: float


class Sessions:
    def __init__(self, ttl_s: int, max_sessions: int) -> None:
        self._ttl_s = ttl_s
        self._max = max_sessions
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    @property
    def ttl_s(self) -> int:
        return self._ttl_s

    def open(self, holder_id: str, seed: bytes) -> str:
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._by_token = {t: s for t, s in self._by_token.items() if s.expires_at > now}
            if len(self._by_token) >= self._max:
                oldest = min(self._by_token, key=lambda t: self._by_token[t].expires_at)
                del self._by_token[oldest]
            self._by_token[token] = Session(holder_id, seed, now + self._ttl_s)
        return token

    def get(self, token: str) -> Session | None:
        with self._lock:
            session = self._by_token.get(token)
            if session is None or session.expires_at <= time.monotonic():
                self._by_token.pop(token, None)
                return None
            return session

    def close(self, token: str) -> None:
        with self._lock:
            self._by_token.pop(token, None)
