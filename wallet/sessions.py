"""Unlocked holder sessions, in memory only: a restart locks every wallet again.

A session token is a random bearer secret; the unlocked seed never leaves the process
and is forgotten when the session ends. A session ends when it has been idle for
`idle_s`, `lifetime_s` after it was opened however busy it is, or at sign-out. Tokens are
kept only as their SHA-256, so a memory dump of the table does not hand out live tokens.
An ended session leaves a tombstone (its reason, no seed), so a client is told why its
token stopped working; tombstones are bounded like sessions, oldest dropped first.

One holder keeps at most `per_holder_max` sessions: a further sign-in closes that holder's
own session nearest its end. When the table is full of live sessions a sign-in is refused
(`SessionsFull`) rather than closing someone else's: signing in, however often, cannot
sign another holder out.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from wallet import limits
from wallet.clock import Clock, SystemClock


@dataclass(slots=True)
class Session:
    holder_id: str
    seed: bytes
    idle_until_s: float = float("inf")
    """Monotonic time at which it ends unless used before."""
    ends_at_s: float = float("inf")
    """Monotonic time at which it ends in any case (its absolute lifetime)."""


class SessionEnded(Exception):
    """The token names no live session; `reason` tells the holder what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SessionsFull(Exception):
    """The table holds `max_sessions` live sessions: retry when some have ended (503)."""

    def __init__(self, retry_after_s: int = limits.SESSIONS_FULL_RETRY_S) -> None:
        super().__init__("the wallet has too many open sessions: retry later")
        self.reason = str(self)
        self.retry_after_s = retry_after_s


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class Sessions:
    def __init__(
        self,
        idle_s: float = limits.SESSION_IDLE_S,
        lifetime_s: float = limits.SESSION_LIFETIME_S,
        max_sessions: int = limits.SESSIONS_MAX,
        clock: Clock | None = None,
        per_holder_max: int = limits.SESSIONS_PER_HOLDER_MAX,
    ) -> None:
        if not 0 < idle_s <= lifetime_s:
            raise ValueError("a session's idle timeout must be positive and within its lifetime")
        self.idle_s = idle_s
        self.lifetime_s = lifetime_s
        self._max = max_sessions
        self._per_holder_max = per_holder_max
        self._clock = clock or SystemClock()
        self._by_key: dict[bytes, Session] = {}
        self._by_holder: dict[str, set[bytes]] = {}
        self._ended: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def ttl_s(self) -> int:
        """What a client is told its token lasts if left unused."""
        return int(self.idle_s)

    def open(self, holder_id: str, seed: bytes) -> str:
        """A new session's token; `SessionsFull` if the table is full of other holders'."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock.monotonic_s()
            for key in [k for k, s in self._by_key.items() if now >= self._end(s)]:
                self._bury(key, self._why_ended(self._by_key[key], now))
            own = self._by_holder.get(holder_id, set())
            if len(own) >= self._per_holder_max:
                soonest = min(own, key=lambda k: self._end(self._by_key[k]))
                self._bury(
                    soonest,
                    f"session closed: a holder keeps at most {self._per_holder_max} open",
                )
            elif len(self._by_key) >= self._max:
                raise SessionsFull()
            key = _key(token)
            self._by_key[key] = Session(holder_id, seed, now + self.idle_s, now + self.lifetime_s)
            self._by_holder.setdefault(holder_id, set()).add(key)
        return token

    def get(self, token: str) -> Session:
        """The live session of `token`, its idle timer restarted; else `SessionEnded`."""
        with self._lock:
            now = self._clock.monotonic_s()
            key = _key(token)
            session = self._by_key.get(key)
            if session is None:
                reason = self._ended.get(key, "unknown session")
                raise SessionEnded(f"{reason}: unlock the wallet again")
            if now >= self._end(session):
                reason = self._why_ended(session, now)
                self._bury(key, reason)
                raise SessionEnded(f"{reason}: unlock the wallet again")
            session.idle_until_s = min(now + self.idle_s, session.ends_at_s)
            return session

    def close(self, token: str) -> bool:
        """Sign out: the token is dead from now on. Whether it named a session."""
        with self._lock:
            key = _key(token)
            if key not in self._by_key:
                return False
            self._bury(key, "session signed out")
            return True

    @staticmethod
    def _end(session: Session) -> float:
        return min(session.idle_until_s, session.ends_at_s)

    def _why_ended(self, session: Session, now: float) -> str:
        if now >= session.ends_at_s:
            return f"session expired: sessions last at most {int(self.lifetime_s)} s"
        return f"session expired after {int(self.idle_s)} s without use"

    def _bury(self, key: bytes, reason: str) -> None:
        """End a live session: its seed is dropped, its reason kept for a while."""
        session = self._by_key.pop(key)
        own = self._by_holder[session.holder_id]
        own.discard(key)
        if not own:
            del self._by_holder[session.holder_id]
        self._ended[key] = reason
        while len(self._ended) > self._max:
            self._ended.popitem(last=False)
