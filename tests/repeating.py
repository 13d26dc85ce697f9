"""A call repeated in a background thread until stopped: how the soak's chain watch
(bench/soak_chain.py) and the memory sampler (tests/caps/memory.py) poll while a load runs."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Repeating:
    """Calls `call` at once and then every `period_s` in a daemon thread named `name`, from
    `start()` until `stop()`, which waits for the call in progress to end."""

    def __init__(self, call: Callable[[], None], period_s: float, name: str) -> None:
        self._call = call
        self._period_s = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._call()
            self._stop.wait(self._period_s)
