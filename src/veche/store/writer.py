"""One writer thread with group commit: the comment pipeline's store step queues here.

Thirty-two request threads that each take SQLite's write lock queue on it one at a time,
sleeping in SQLite's busy handler between tries, and each pays its own commit (an fsync).
Instead they hand their store step to this thread, which runs whatever has queued up in one
transaction — each job in its own SAVEPOINT, so one refusal or duplicate key rolls back only
that job — and commits once for all of them. A caller returns only after that commit, so the
publish step still follows a durable write. PostgreSQL gains the same way: one fsync per batch
instead of one per comment, and no queue of connections on one story's row lock.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from veche.domain.errors import Overloaded
from veche.i18n import gettext as _

if TYPE_CHECKING:
    from veche.store.database import Database

log = logging.getLogger(__name__)
T = TypeVar("T")
_STOP = object()


class GroupWriter:
    MAX_BATCH = 64
    WAIT_SECONDS = 30.0  # a caller never waits longer than this for its commit

    def __init__(self, db: Database) -> None:
        self.db = db
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # how many commits; tests and benchmarks read it

    def submit(self, job: Callable[[Session], T]) -> T:
        """Run `job` in the next batch's transaction; return once that batch is committed."""
        self._ensure_started()
        done: Future[T] = Future()
        self._jobs.put((job, done))
        try:
            return done.result(timeout=self.WAIT_SECONDS)
        except TimeoutError as exc:
            # Still queued or running: it may yet commit, which a retry's idempotency key
            # then finds; the caller is told to try again rather than left waiting.
            raise Overloaded(_("The service is busy right now. Please try again.")) from exc

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="veche-writer", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            self._jobs.put(_STOP)
            thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self.MAX_BATCH:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                batch.append(more)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[tuple[Callable[[Session], Any], Future[Any]]]) -> None:
        outcomes: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            with self.db.session() as s:
                for job, done in batch:
                    try:
                        with s.begin_nested():
                            result = job(s)
                            s.flush()  # its errors are its own, not the next job's
                    except Exception as exc:  # this job only: its savepoint is rolled back
                        outcomes.append((done, None, exc))
                    else:
                        outcomes.append((done, result, None))
        except Exception as exc:  # the commit itself failed: nothing in the batch is stored
            log.warning("a batch of %d writes failed to commit: %s", len(batch), exc)
            for _job, done in batch:
                done.set_exception(exc)
            return
        self.batches += 1
        for done, result, error in outcomes:
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)
