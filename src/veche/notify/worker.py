"""Delivers the outbox: each due row to its kind's handler, with exponential backoff."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from veche.notify import outbox
from veche.notify.loop import Looping, Periodic
from veche.notify.outbox import DeliveryFailed, Handler, Job
from veche.service.runtime import Runtime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # about an hour and a quarter of retries from the first failure
BASE_DELAY = dt.timedelta(seconds=30)
HOLD = dt.timedelta(minutes=5)  # a send must finish within this, or another worker retries
BATCH = 20


def retry_delay(attempts: int) -> dt.timedelta:
    """After the n-th failed attempt: 30 s, 1 min, 2 min, … 32 min."""
    return BASE_DELAY * int(2 ** max(0, attempts - 1))


class OutboxWorker(Looping):
    def __init__(
        self, rt: Runtime, handlers: Mapping[str, Handler], *, max_attempts: int = MAX_ATTEMPTS
    ) -> None:
        self.rt = rt
        self.handlers = dict(handlers)
        self.max_attempts = max_attempts
        self.loop = Periodic("veche-outbox", self.run_once, every=1.0)

    def run_once(self) -> int:
        """Delivers what is due now; returns how many rows it tried."""
        now = self.rt.clock()
        # A look first, so an idle node does not take SQLite's write lock every second.
        with self.rt.db.session(write=False) as s:
            if not outbox.any_due(s, now):
                return 0
        with self.rt.db.session() as s:
            jobs = outbox.claim(s, now, HOLD, BATCH)
        for job in jobs:
            self._deliver(job)
        return len(jobs)

    def _deliver(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        status: int | None = None
        error: DeliveryFailed | None = None
        try:
            if handler is None:
                raise DeliveryFailed(f"no handler for {job.kind!r} on this node")
            status = handler(job)
        except DeliveryFailed as e:
            error = e
        except Exception as e:  # a bug in a handler: logged, retried like a failure
            log.exception("outbox %d (%s) failed", job.id, job.kind)
            error = DeliveryFailed(f"{type(e).__name__}: {e}")
        now = self.rt.clock()
        with self.rt.db.session() as s:
            if error is None:
                outbox.delivered(s, job, now, status)
                return
            attempts = job.attempts + 1
            final = error.permanent or attempts >= self.max_attempts
            retry_at = None if final else now + retry_delay(attempts)
            outbox.failed(s, job, now, error, retry_at)
        log.warning(
            "outbox %d (%s to %s) attempt %d failed%s: %s",
            job.id, job.kind, job.target, attempts, "" if retry_at else " for good", error,
        )  # fmt: skip
