"""Long-lived streams counted per validator and per calling organisation.

A stream whose client reads slowly or not at all is held by HTTP/2 flow control: the node
stops writing to it and stops reading its requests, so it holds at most one answer and the
transport's windows of it (docs/agencies.md). What flow control does not bound is how many
such streams are open, and a stalled one stays open as long as its client keeps the
connection: the count is capped here, per organisation too, so that one organisation's
stalled streams leave room for the others'.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class StreamSlots:
    """Open streams of one kind on this validator, by calling organisation."""

    def __init__(self, what: str, total_max: int, caller_max: int) -> None:
        self.what = what
        self.total_max = total_max
        self.caller_max = caller_max
        self.open: dict[str, int] = {}

    @property
    def total(self) -> int:
        return sum(self.open.values())

    def get_refusal(self, caller: str) -> str | None:
        """Why one more stream of `caller` is refused now (None: it is not). The message
        names the limit, so the client knows to close one or try another validator."""
        if self.open.get(caller, 0) >= self.caller_max:
            return (
                f"an organisation has at most {self.caller_max} {self.what} open on a"
                " validator: close one first"
            )
        if self.total >= self.total_max:
            return f"this validator serves {self.total_max} {self.what} already: try another"
        return None

    @contextmanager
    def held(self, caller: str) -> Iterator[None]:
        """One slot of `caller` while the stream is open (freed however it ends: its
        handler's task is cancelled when the client goes away)."""
        self.open[caller] = self.open.get(caller, 0) + 1
        try:
            yield
        finally:
            left = self.open[caller] - 1
            if left:
                self.open[caller] = left
            else:
                del self.open[caller]
