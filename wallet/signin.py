"""Rate limits on passphrase sign-in: lockout with back-off per holder, and caps per client
address.

Per holder: after `SIGNIN_FAILURES_FREE` consecutive wrong passphrases the holder is locked
for `SIGNIN_LOCKOUT_S_MIN`, doubling with each further failure up to `SIGNIN_LOCKOUT_S_MAX`;
while locked, a sign-in is refused before the passphrase is even derived. One attempt per
holder runs at a time, so parallel requests cannot squeeze many guesses into the window
before a lock lands. A success clears the holder's count.

A holder id this wallet does not keep is counted and locked exactly like a known one, and
its failure is answered alike (`wallet.routers.signin`): neither the answer, the lockout nor
the time (`PassphraseKdf.check_unknown`) tells which pseudonyms use this wallet.

Per client address: at most `CLIENT_SIGNIN_FAILURES_MAX` failures (any holder, unknown
holders too) and `CLIENT_SIGNIN_ATTEMPTS_MAX` attempts in a sliding `CLIENT_SIGNIN_WINDOW_S`;
a success does not clear these, so an address cannot interleave its own holder to keep
spraying others. Creating a holder costs a derivation too: at most
`CLIENT_HOLDERS_CREATED_MAX` per address in the same window (`admit_creation`). The
address is the TCP peer's: behind a reverse proxy every caller shares the proxy's, and the
proxy must do this limiting instead.

All of it is kept in memory, bounded by `SIGNIN_TRACKED_MAX` entries per kind (least
recently touched dropped first): a restart of the wallet clears every lockout and count.
That is accepted because a restart is an operator's act, not something a caller can cause,
and the slow KDF still bounds what any guesser gains.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from wallet import limits
from wallet.clock import Clock

T = TypeVar("T")


class SignInRefused(Exception):
    """A sign-in refused before the passphrase is checked (HTTP 429)."""

    def __init__(self, reason: str, retry_after_s: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = max(1, math.ceil(retry_after_s))


@dataclass(slots=True)
class _HolderState:
    failures: int = 0
    """Consecutive wrong passphrases."""
    locked_until_s: float = 0.0
    """Monotonic time until which sign-in is refused."""
    busy: bool = False
    """An attempt is running."""


@dataclass(slots=True)
class _ClientState:
    attempts: deque[float] = field(default_factory=deque)
    failures: deque[float] = field(default_factory=deque)
    created: deque[float] = field(default_factory=deque)
    """Holders created."""


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    """The numbers a `SignInGuard` applies (production: `wallet.limits`)."""

    failures_free: int = limits.SIGNIN_FAILURES_FREE
    lockout_s_min: float = limits.SIGNIN_LOCKOUT_S_MIN
    lockout_s_max: float = limits.SIGNIN_LOCKOUT_S_MAX
    client_failures_max: int = limits.CLIENT_SIGNIN_FAILURES_MAX
    client_attempts_max: int = limits.CLIENT_SIGNIN_ATTEMPTS_MAX
    client_holders_created_max: int = limits.CLIENT_HOLDERS_CREATED_MAX
    client_window_s: float = limits.CLIENT_SIGNIN_WINDOW_S
    tracked_max: int = limits.SIGNIN_TRACKED_MAX

    def get_lockout_s(self, failures: int) -> float:
        """How long a holder is locked after `failures` consecutive failures (0: not)."""
        if failures < self.failures_free:
            return 0.0
        doublings = min(failures - self.failures_free, 32)
        return float(min(self.lockout_s_min * 2**doublings, self.lockout_s_max))


class Attempt:
    """One admitted sign-in; its outcome is reported exactly once."""

    def __init__(self, guard: SignInGuard, holder_id: str, client: str) -> None:
        self._guard = guard
        self.holder_id = holder_id
        self.client = client
        self.reported = False

    def succeeded(self) -> None:
        self.reported = True
        self._guard._record(self, ok=True)

    def failed(self) -> None:
        """A wrong passphrase, or a holder id the wallet does not keep (counted alike)."""
        self.reported = True
        self._guard._record(self, ok=False)


class SignInGuard:
    def __init__(self, clock: Clock, policy: SignInPolicy | None = None) -> None:
        self.clock = clock
        self.policy = policy or SignInPolicy()
        self._holders: OrderedDict[str, _HolderState] = OrderedDict()
        self._clients: OrderedDict[str, _ClientState] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def attempt(self, holder_id: str, client: str) -> Iterator[Attempt]:
        """Admit one sign-in (or raise `SignInRefused`); the body reports its outcome. An
        attempt ended by an unexpected error counts as neither."""
        self._admit(holder_id, client)
        attempt = Attempt(self, holder_id, client)
        try:
            yield attempt
        finally:
            if not attempt.reported:
                with self._lock:
                    state = self._holders.get(holder_id)
                    if state is not None:
                        state.busy = False
                        if state.failures == 0:
                            del self._holders[holder_id]

    def get_lock_s(self, holder_id: str) -> float:
        """Seconds left of the holder's lockout (0 if none)."""
        with self._lock:
            state = self._holders.get(holder_id)
            now = self.clock.monotonic_s()
            return 0.0 if state is None else max(0.0, state.locked_until_s - now)

    def admit_creation(self, client: str) -> None:
        """Count one new holder created from `client`, or raise `SignInRefused`."""
        p = self.policy
        with self._lock:
            now = self.clock.monotonic_s()
            seen = self._seen(client, now)
            self._check_window(seen.created, p.client_holders_created_max, "holders created", now)
            seen.created.append(now)

    def _seen(self, client: str, now: float) -> _ClientState:
        """The client's counts, with what left the window dropped."""
        seen = self._touch(self._clients, client, _ClientState)
        for times in (seen.attempts, seen.failures, seen.created):
            while times and times[0] <= now - self.policy.client_window_s:
                times.popleft()
        return seen

    def _check_window(self, times: deque[float], limit: int, what: str, now: float) -> None:
        """Refuse if the address already has `limit` of `what` in the window (`times`, as
        `_seen` left it); the caller may retry once the oldest of them leaves it."""
        if len(times) >= limit:
            raise SignInRefused(
                f"too many {what} from this address: try again later",
                times[0] + self.policy.client_window_s - now,
            )

    def _admit(self, holder_id: str, client: str) -> None:
        p = self.policy
        with self._lock:
            now = self.clock.monotonic_s()
            seen = self._seen(client, now)
            self._check_window(seen.failures, p.client_failures_max, "failed sign-ins", now)
            self._check_window(seen.attempts, p.client_attempts_max, "sign-ins", now)
            state = self._touch(self._holders, holder_id, _HolderState)
            if state.locked_until_s > now:
                raise SignInRefused(
                    "too many wrong passphrases for this holder: the wallet is locked",
                    state.locked_until_s - now,
                )
            if state.busy:
                raise SignInRefused("another sign-in for this holder is in progress", 1)
            state.busy = True
            seen.attempts.append(now)

    def _record(self, attempt: Attempt, *, ok: bool) -> None:
        with self._lock:
            now = self.clock.monotonic_s()
            state = self._holders.get(attempt.holder_id)
            if state is not None:
                state.busy = False
            if ok:
                self._holders.pop(attempt.holder_id, None)
            elif state is not None:
                state.failures += 1
                state.locked_until_s = now + self.policy.get_lockout_s(state.failures)
            if not ok:
                seen = self._touch(self._clients, attempt.client, _ClientState)
                seen.failures.append(now)

    def _touch(self, table: OrderedDict[str, T], key: str, new: type[T]) -> T:
        """The entry for `key`, made if missing, marked most recently used; the least
        recently used entry goes when the table is full."""
        entry = table.get(key)
        if entry is None:
            if len(table) >= self.policy.tracked_max:
                table.popitem(last=False)
            entry = table[key] = new()
        else:
            table.move_to_end(key)
        return entry
