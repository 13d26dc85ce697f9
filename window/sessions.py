"""Clerks' sessions, in memory: a random token in an HttpOnly, Secure, SameSite=Strict
cookie, kept here only as its SHA-256. A session ends after `idle_s` unused, `lifetime_s`
after sign-in however busy, or at sign-out; a restart signs every clerk out. When the table
is full a sign-in is refused rather than ending another clerk's session."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from window import limits


@dataclass(slots=True)
class ClerkSession:
    clerk_id: str
    name: str
    idle_until_s: float
    ends_at_s: float


class SessionEnded(Exception):
    """No live session for this cookie: `reason` tells the clerk to sign in (again)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SessionsFull(Exception):
    pass


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class Sessions:
    def __init__(
        self,
        idle_s: float,
        lifetime_s: float,
        now: Callable[[], float],
        sessions_max: int = limits.SESSIONS_MAX,
    ) -> None:
        self.idle_s, self.lifetime_s, self._now, self._max = idle_s, lifetime_s, now, sessions_max
        self._lock = threading.Lock()
        self._sessions: dict[bytes, ClerkSession] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def open(self, clerk_id: str, name: str) -> str:
        now = self._now()
        with self._lock:
            self._drop_ended(now)
            if len(self._sessions) >= self._max:
                raise SessionsFull("too many open sessions: try again later")
            token = secrets.token_urlsafe(32)
            self._sessions[_key(token)] = ClerkSession(
                clerk_id, name, now + self.idle_s, now + self.lifetime_s
            )
            return token

    def get(self, token: str | None) -> ClerkSession:
        """The live session of `token`, its idle time restarted; SessionEnded otherwise."""
        if not token:
            raise SessionEnded("please sign in")
        now = self._now()
        with self._lock:
            session = self._sessions.get(_key(token))
            if session is None:
                raise SessionEnded("please sign in")
            if now >= session.idle_until_s or now >= session.ends_at_s:
                del self._sessions[_key(token)]
                raise SessionEnded("the session has ended: please sign in again")
            session.idle_until_s = min(now + self.idle_s, session.ends_at_s)
            return session

    def close(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions.pop(_key(token), None)

    def _drop_ended(self, now: float) -> None:
        ended = [k for k, s in self._sessions.items() if now >= min(s.idle_until_s, s.ends_at_s)]
        for k in ended:
            del self._sessions[k]
