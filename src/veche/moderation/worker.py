"""The slow stage off the write path: one daemon thread embeds and scores comments in batches.

One thread, and the embedder's OpenMP pool at one thread (Embedder(threads=1), the default),
so scoring takes at most one core from the server however many comments arrive; the logistic
regression itself is a (16 x 384) product, too small for BLAS threads to matter. A batch takes
what is waiting, up to batch_size, after a short linger: a lone comment waits a few
milliseconds, a flood is embedded sixteen at a time.

on_scored runs on the worker thread. It must hand results to wherever they are stored (a
database session of its own, or a loop's call_soon_threadsafe); if it raises, the error is
logged and the next batch goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from veche.moderation.embedding import AbuseClassifier

__all__ = ["EmbeddingWorker", "OnScored"]

log = logging.getLogger(__name__)

OnScored = Callable[[list[tuple[int, float]]], None]


class EmbeddingWorker:
    """A bounded queue of (comment_id, text) jobs and the one thread that scores them."""

    def __init__(
        self,
        classifier: AbuseClassifier,
        on_scored: OnScored,
        *,
        max_queue: int = 1000,
        batch_size: int = 16,
        linger: float = 0.005,
        name: str = "veche-embedding",
    ) -> None:
        if max_queue < 1 or batch_size < 1:
            raise ValueError("max_queue and batch_size must be >= 1")
        if linger < 0:
            raise ValueError(f"linger must be >= 0 seconds, not {linger}")
        self.classifier = classifier
        self.on_scored = on_scored
        self.max_queue = max_queue
        self.batch_size = batch_size
        self.linger = linger
        self._jobs: deque[tuple[int, str]] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, comment_id: int, text: str) -> bool:
        """Queue a comment; False (never a wait) when the queue is full or the worker stopped."""
        with self._cond:
            if self._stopping or len(self._jobs) >= self.max_queue:
                return False
            self._jobs.append((comment_id, text))
            self._cond.notify()
            return True

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._jobs)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0, *, drain: bool = True) -> int:
        """Stop taking jobs; score what is queued (drain) or drop it. Returns how many jobs
        were left unscored: dropped, or still queued when timeout ran out."""
        with self._cond:
            self._stopping = True
            dropped = 0
            if not drain:
                dropped = len(self._jobs)
                self._jobs.clear()
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        with self._cond:
            left = len(self._jobs)
            if not self._thread.is_alive():
                self._jobs.clear()  # never started: nobody will score these
        return dropped + left

    def _run(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return
            self._score(batch)

    def _take(self) -> list[tuple[int, str]]:
        """Wait for a job, linger briefly for company, and take up to batch_size."""
        with self._cond:
            self._cond.wait_for(lambda: self._jobs or self._stopping)
            if not self._jobs:
                return []
            deadline = time.monotonic() + self.linger
            while len(self._jobs) < self.batch_size and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._cond.wait(remaining):
                    break
            n = min(self.batch_size, len(self._jobs))
            return [self._jobs.popleft() for _ in range(n)]

    def _score(self, batch: list[tuple[int, str]]) -> None:
        ids = [comment_id for comment_id, _ in batch]
        try:
            scores = self.classifier.predict([text for _, text in batch])
        except Exception:
            log.exception("abuse scoring failed for comments %s; they stay unscored", ids)
            return
        try:
            self.on_scored(list(zip(ids, scores, strict=True)))
        except Exception:
            log.exception("storing abuse scores failed for comments %s", ids)
