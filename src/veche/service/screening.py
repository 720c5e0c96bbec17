"""The slow scoring stage: after a comment is stored, a background thread embeds it with the
local e5 model and a logistic regression; one it finds abusive moves to the queue.

The write path only enqueues (never blocks: a full queue is logged and skipped), so posting
keeps its speed; the model's verdict arrives some tens of milliseconds later and readers
see the comment withdrawn live. Nothing leaves the server.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus
from veche.domain.moderation import ModerationSettings
from veche.moderation.embedding import AbuseClassifier
from veche.moderation.worker import EmbeddingWorker
from veche.service.found import last_seq, story_of
from veche.service.runtime import Runtime
from veche.store import comments as store_comments
from veche.store import moderation as store
from veche.store.models import Event

log = logging.getLogger(__name__)
# What the model may still take back: a comment readers see, or one already held (whose
# score the queue shows).
_SCREENED = frozenset({CommentStatus.visible, CommentStatus.pending, CommentStatus.shadowed})


class Screening:
    def __init__(self, rt: Runtime, classifier: AbuseClassifier) -> None:
        self.rt = rt
        self.worker = EmbeddingWorker(classifier, self.on_scored)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        left = self.worker.stop(timeout=5.0, drain=False)
        if left:
            log.info("stopped with %d comments not yet scored by the abuse model", left)

    def submit(self, comment_id: int, text: str) -> None:
        if not self.worker.submit(comment_id, text):
            log.warning("abuse model queue full: comment %d is not screened", comment_id)

    def on_scored(self, results: list[tuple[int, float]]) -> None:
        """On the worker thread: each verdict is its own short write."""
        for comment_id, p in results:
            self.judge(comment_id, p)

    def judge(self, comment_id: int, p: float) -> bool:
        """Returns whether the comment was taken back to the queue."""
        now = self.rt.clock()

        def store_verdict(s: Session) -> tuple[int, list[Event]]:
            comment = store_comments.get_for_write(s, comment_id)
            if comment is None or comment.status not in _SCREENED:
                return 0, []
            story = story_of(s, comment.story_id)
            settings = ModerationSettings.from_stored(story.site.moderation)
            if comment.status is not CommentStatus.visible:
                comment.scores = {**(comment.scores or {}), "abuse_model": round(p, 4)}
                return 0, []
            if p < settings.model_queue_at:
                return 0, []
            reason = f"abuse model: {p:.2f}"
            return story.site_id, store.flag(s, comment, p, reason, now=now)

        site_id, events = self.rt.db.write(store_verdict)
        if not events:
            return False
        self.rt.publish(events[-1].story_id, last_seq(events))
        self.rt.queue_changed(site_id)
        return True
