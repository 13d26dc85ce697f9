"""The wallet's two clocks, replaceable so that tests move time instead of sleeping.

`monotonic_s` measures durations (lockouts, session timeouts): it never jumps when the
system clock is set. `now_ms` is wall time (ms since the epoch), which signed requests carry
and certificates are valid against.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def monotonic_s(self) -> float: ...

    def now_ms(self) -> int: ...


class SystemClock:
    def monotonic_s(self) -> float:
        return time.monotonic()

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000
