"""Refusals of other parties' input, logged as a summary at most once per period.

A faulty or hostile peer can send thousands of forged or invalid messages a second, and a
log line for each made the log the attack's amplifier (51,200 forged messages in 20 s
added 7 MB to one validator's log). Metrics count every refusal exactly; the log says that
refusals happen, from whom and why: the first one after a quiet period in full at once,
then one summary line per period while they go on (counts by source and kind, with one
example each), and nothing once they stop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable

from node import limits

OTHERS = ("(others)", "(others)")
"""Where refusals are counted once a period has seen `REFUSAL_LOG_KEYS_MAX` distinct keys."""


class RefusalLog:
    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        period_s: float = limits.REFUSAL_LOG_PERIOD_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`what` names the refusals in the log ("peer messages refused")."""
        self._log = logger
        self._what = what
        self._period_s = period_s
        self._clock = clock
        self._since: float | None = None
        """When the current period began; None while quiet."""
        self._counts: Counter[tuple[str, str]] = Counter()
        self._examples: dict[tuple[str, str], str] = {}
        self._timer: asyncio.TimerHandle | None = None

    def note(self, source: str, kind: str, detail: str = "") -> None:
        """One refusal of `source`'s input, of `kind` (few distinct values), with `detail`
        (the reason; it must carry no request data)."""
        now = self._clock()
        if self._since is None:
            self._since = now
            self._log.info(
                "%s: %s: %s: %s (more are summarised every %g s)",
                self._what,
                source,
                kind,
                detail,
                self._period_s,
            )
            self._schedule()
            return
        key = (source, kind)
        if key not in self._counts and len(self._counts) >= limits.REFUSAL_LOG_KEYS_MAX:
            key = OTHERS
        self._counts[key] += 1
        self._examples.setdefault(key, detail)
        if now - self._since >= self._period_s:
            self.flush()

    def flush(self) -> None:
        """Log the period's summary, if it saw refusals (else the log falls quiet, and the
        next refusal is logged in full)."""
        now = self._clock()
        since = now if self._since is None else self._since
        if not self._counts:
            self._since = None
            return
        parts = "; ".join(
            f"{count} from {source} ({kind}, e.g. {self._examples[source, kind]})"
            for (source, kind), count in self._counts.most_common(limits.REFUSAL_LOG_KEYS_SHOWN)
        )
        hidden = len(self._counts) - limits.REFUSAL_LOG_KEYS_SHOWN
        self._log.warning(
            "%s: %d in the last %.0f s: %s%s",
            self._what,
            sum(self._counts.values()),
            now - since,
            parts,
            f"; and {hidden} more sources or kinds" if hidden > 0 else "",
        )
        self._counts.clear()
        self._examples.clear()
        self._since = now

    def _schedule(self) -> None:
        """On an event loop, summarise at the end of each period even if no refusal comes
        to do it (outside one, the next refusal does)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timer = loop.call_later(self._period_s, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.flush()
        if self._since is not None:
            self._schedule()
