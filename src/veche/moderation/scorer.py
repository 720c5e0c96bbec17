"""The cheap, inline stage of scoring, as the write pipeline's `Scorer`: a site's banned and
suspect words, the abuse lexicons, and the spam rules with near-duplicate detection. It
takes a few milliseconds; the embedding model runs after commit (service.screening).

A publisher adds their own scorer by writing a class with `score(item) -> Verdict` and
chaining it with this one (see docs/moderation.md).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import cast

from veche.domain.enums import CommentStatus
from veche.moderation.abuse import score_abuse
from veche.moderation.lang import detect
from veche.moderation.normalize import fold
from veche.moderation.quoted import blockquotes, without_quoted
from veche.moderation.spam import NearDuplicates, spam_signals
from veche.moderation.words import WordList
from veche.service.pipeline import ScoreInput, Scorer, Verdict

_ORDER = {CommentStatus.visible: 0, CommentStatus.pending: 1, CommentStatus.rejected: 2}


@lru_cache(maxsize=256)
def word_list(entries: tuple[str, ...]) -> WordList:
    """Sites keep their lists for long: compile each list once per process."""
    return WordList(entries)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LocalScorer:
    """Everything runs here, on this server; no text is sent anywhere."""

    def __init__(
        self,
        duplicates: NearDuplicates | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.duplicates = duplicates or NearDuplicates(normalize=fold)
        self.clock = clock

    def score(self, item: ScoreInput) -> Verdict:
        if item.importing:
            return Verdict()  # an archive keeps the statuses its source recorded
        settings = item.settings
        status = CommentStatus.visible
        reasons: list[str] = []
        scores: dict[str, float] = {}

        def hold(to: CommentStatus, why: str) -> None:
            nonlocal status
            reasons.append(why)
            if _ORDER[to] > _ORDER[status]:
                status = to

        banned = word_list(settings.banned_words).find(item.text) if settings.banned_words else None
        if banned:
            hold(CommentStatus.rejected, f"banned word: {banned}")
        suspect = (
            word_list(settings.suspect_words).find(item.text) if settings.suspect_words else None
        )
        if suspect:
            hold(CommentStatus.pending, f"suspect word: {suspect}")
        blocks = blockquotes(item.body_src)
        hit = score_abuse(item.text, detect(item.text), item.quote_text, blocks)
        if hit is not None:
            scores["abuse"] = round(hit.score, 3)
            why = f"abuse {hit.score:.2f} ({hit.category}: “{hit.term}”)"
            if hit.score >= settings.abuse_reject_at:
                hold(CommentStatus.rejected, why)
            elif hit.score >= settings.abuse_queue_at:
                hold(CommentStatus.pending, why)
        if not item.is_edit:
            author = item.author
            # Quoting a comment in full is replying to it, not copying it.
            own = without_quoted(
                item.text, [*blocks, *([item.quote_text] if item.quote_text else [])]
            )
            dup = self.duplicates.check_and_add(item.site_id, author.key, own, self.clock())
            allowed = settings.new_user_links if author.new else 1000
            spam = spam_signals(
                item.body_src or item.text, links_allowed=allowed, dup=dup,
                is_new_user=author.new, typing_seconds=item.typing_seconds,
                min_typing_seconds=settings.min_typing_seconds if author.new else 0,
                normalize=fold,
            )  # fmt: skip
            if spam.score > 0:
                scores["spam"] = round(spam.score, 3)
            if spam.score >= settings.spam_queue_at:
                hold(CommentStatus.pending, "spam: " + "; ".join(spam.reasons))
        return Verdict(status, scores, tuple(reasons))


def load_plugin(path: str) -> Scorer:
    """A publisher's scorer by import path ("package.module:Class"), built with no arguments."""
    module_name, _, class_name = path.strip().partition(":")
    if not module_name or not class_name:
        raise ValueError(f"VECHE_SCORERS: {path!r} is not of the form module:Class")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"VECHE_SCORERS: cannot load {path!r}: {exc}") from exc
    scorer = cls()
    if not callable(getattr(scorer, "score", None)):
        raise ValueError(f"VECHE_SCORERS: {path!r} has no score(item) method")
    return cast(Scorer, scorer)


def build(plugins: str = "") -> Scorer:
    """veche's own scorer, followed by the publisher's, strictest verdict winning."""
    extra = [load_plugin(p) for p in plugins.split(",") if p.strip()]
    return Chain([LocalScorer(), *extra]) if extra else LocalScorer()


class Chain:
    """Several scorers, the strictest verdict winning: a publisher's own after ours."""

    def __init__(self, scorers: Sequence[Scorer]) -> None:
        self.scorers = tuple(scorers)

    def score(self, item: ScoreInput) -> Verdict:
        status = CommentStatus.visible
        scores: dict[str, float] = {}
        reasons: list[str] = []
        for scorer in self.scorers:
            v = scorer.score(item)
            scores.update(v.scores)
            reasons.extend(v.reasons)
            if _ORDER[v.status] > _ORDER[status]:
                status = v.status
        return Verdict(status, scores, tuple(reasons))
