"""A background thread that runs one step every few seconds, or at once when poked."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs `step` until it finds nothing to do, then waits `every` seconds or a poke.
    An exception is logged and the loop goes on: a bad message must not stop the others."""

    def __init__(self, name: str, step: Callable[[], int], every: float) -> None:
        self.name = name
        self.step = step
        self.every = every
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.step() > 0
            except Exception:
                log.exception("%s: step failed", self.name)
                busy = False
            if not busy:
                self._wake.wait(self.every)
                self._wake.clear()


class Looping:
    """A worker whose life is its `loop`: started and stopped with the app."""

    loop: Periodic

    def start(self) -> None:
        self.loop.start()

    def stop(self) -> None:
        self.loop.stop()
