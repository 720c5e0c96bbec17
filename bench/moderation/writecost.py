"""What scoring adds to the write path: the same comments posted through `Comments(rt).post`
on a fresh database, once with `PublishAll` (no scoring) and once with the shipped
`LocalScorer`, one client thread; and the stages alone (inline scorer, embedding batches)."""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from bench.moderation.speed import timed
from veche.config import Config
from veche.domain.moderation import ModerationSettings
from veche.moderation.embedding import AbuseClassifier
from veche.moderation.evaluate import _rendered  # the eval's own rendering, as the write path
from veche.moderation.scorer import LocalScorer
from veche.service.comments import Comments, Draft
from veche.service.pipeline import AuthorFacts, PublishAll, ScoreInput, Scorer, Verdict
from veche.service.runtime import Runtime, Viewer
from veche.service.stories import SiteSettings, Stories
from veche.store.models import User

AUTHORS = 40  # commenters taking turns, all new members (so the first-comment rules apply)
ORIGIN = "https://news.example.com"


@dataclass
class Timings:
    """Milliseconds per item, pooled over rounds."""

    label: str
    ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    held: list[bool] = field(default_factory=list)  # per post: did it wait for a moderator
    inside: list[float] = field(default_factory=list)  # the scorer's own ms within each post

    def only(self, label: str, keep: Sequence[bool]) -> Timings:
        """The samples where keep is true (another run's flags for the same texts in order)."""
        return Timings(label, [ms for ms, k in zip(self.ms, keep, strict=True) if k])

    @property
    def median(self) -> float:
        return statistics.median(self.ms) if self.ms else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.ms, 95)


def percentile(xs: Sequence[float], q: float) -> float:
    if not xs:
        return float("nan")
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _runtime(db_url: str, scorer: Scorer) -> Runtime:
    cfg = replace(
        Config(), database_url=db_url, redis_url=None, rate_limit_writes="1000000/minute",
        rate_limit_auth="1000000/minute", moderation_model=False,
    )  # fmt: skip
    rt = Runtime.build(cfg)
    rt.db.upgrade()
    rt.scorer = scorer
    return rt


def _world(rt: Runtime) -> tuple[int, list[User]]:
    stories = Stories(rt)
    stories.create_site("news", SiteSettings(allowed_origins=[ORIGIN]))
    story = stories.create(
        "news", f"{ORIGIN}/2026/protests", "Protests and internet cuts",
        body="Crowds gathered in the square; mobile internet was cut for six hours.",
    )  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    with rt.db.session() as s:
        users = [
            User(handle=f"reader{n:02d}", handle_key=f"reader{n:02d}", created_at=now)
            for n in range(AUTHORS)
        ]
        s.add_all(users)
        s.flush()
    return story.id, users


class _Clocked:
    """The scorer as the write path calls it, timed there."""

    def __init__(self, inner: Scorer) -> None:
        self.inner = inner
        self.ms: list[float] = []

    def score(self, item: ScoreInput) -> Verdict:
        t0 = time.perf_counter()
        try:
            return self.inner.score(item)
        finally:
            self.ms.append((time.perf_counter() - t0) * 1000)


def post_all(db_url: str, scorer: Scorer, texts: Sequence[str], label: str) -> Timings:
    """Every text posted once, in order, by the authors in turn; ms per `post` call."""
    clocked = _Clocked(scorer)
    rt = _runtime(db_url, clocked)
    out = Timings(label)
    try:
        story_id, users = _world(rt)
        comments = Comments(rt)
        warm = Viewer(users[0], "127.0.0.1")
        comments.post(story_id, Draft("Warming up the caches before timing."), warm)
        clocked.ms.clear()
        for n, text in enumerate(texts):
            viewer = Viewer(users[n % len(users)], "127.0.0.1")
            t0 = time.perf_counter()
            posted = comments.post(story_id, Draft(text), viewer)
            out.ms.append((time.perf_counter() - t0) * 1000)
            out.held.append(posted.comment.status.value != "visible")
    finally:
        rt.db.dispose()
    out.inside = clocked.ms
    out.notes.append(f"{sum(out.held)} of {len(texts)} held")
    return out


def write_path(
    texts: Sequence[str], rounds: int, make_db: Callable[[str], tuple[str, Callable[[], None]]]
) -> tuple[Timings, Timings]:
    """(no scoring, LocalScorer), alternating by round so a burst of outside load hits both."""
    none, local = Timings("PublishAll"), Timings("LocalScorer")
    for rnd in range(rounds):
        for scorer, into in ((PublishAll(), none), (LocalScorer(), local)):
            url, drop = make_db(f"{into.label.lower()}-{rnd}")
            try:
                t = post_all(url, scorer, texts, into.label)
            finally:
                drop()
            into.ms += t.ms
            into.held += t.held
            into.inside += t.inside
            into.notes = t.notes
    return none, local


def sqlite_db(workdir: Path) -> Callable[[str], tuple[str, Callable[[], None]]]:
    def make(name: str) -> tuple[str, Callable[[], None]]:
        path = workdir / f"{name}.db"
        return f"sqlite:///{path}", lambda: None

    return make


def pg_db(name_prefix: str) -> Callable[[str], tuple[str, Callable[[], None]]]:
    from bench.b2 import pg_database

    def make(name: str) -> tuple[str, Callable[[], None]]:
        db = f"{name_prefix}_{name.replace('-', '_')}"

        def drop() -> None:
            pg_database(db, drop_only=True)

        return pg_database(db), drop

    return make


def pg_reachable() -> str | None:
    """None if we can make databases on 127.0.0.1:5432, else why not."""
    try:
        import psycopg

        from bench.b2 import PG_ADMIN

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as con:
            con.execute("SELECT 1")
    except Exception as exc:  # any failure means: skip PostgreSQL, say why
        return f"{type(exc).__name__}: {exc}"
    return None


def inline_scorer(texts: Sequence[str], rounds: int) -> Timings:
    """LocalScorer.score alone, on ScoreInput built as the eval builds it; a fresh scorer (an
    empty near-duplicate index) each round."""
    settings = ModerationSettings()
    rendered = [_rendered(t) for t in texts]
    out = Timings("LocalScorer.score")
    for _ in range(rounds):
        scorer = LocalScorer()
        for n, r in enumerate(rendered):
            item = ScoreInput(
                story_id=1, author_id=None, guest_name=None, text=r.body_text, parent_id=None,
                quote_text=None, site_id=1, body_src=r.body_src, settings=settings,
                author=AuthorFacts(f"bench-{n}", new=True),
            )  # fmt: skip
            out.ms.append(timed(partial(scorer.score, item)))
    return out


def embedding(model: AbuseClassifier, texts: Sequence[str], rounds: int) -> tuple[Timings, Timings]:
    """As the worker runs it (batches of 16, one thread), ms per comment; and one at a time."""
    bodies = [_rendered(t).body_text for t in texts]
    model.predict(bodies[:16])  # warm up
    batched, single = Timings("batches of 16"), Timings("one at a time")
    for _ in range(rounds):
        for start in range(0, len(bodies), 16):
            chunk = bodies[start : start + 16]
            batched.ms.append(timed(partial(model.predict, chunk)) / len(chunk))
    for text in bodies[:64]:
        single.ms.append(timed(partial(model.predict, [text])))
    return batched, single


def temp_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="veche-modbench-")
