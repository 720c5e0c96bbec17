"""The materialized-path store through the comment service, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy import func, select, text

from tests.conftest import World
from veche.domain.enums import CommentStatus, QuoteSource, QuoteState
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft, QuoteRequest
from veche.service.runtime import Viewer
from veche.service.stories import Stories
from veche.service.threads import Threads
from veche.store import threads
from veche.store.models import Comment, Event, Story
from veche.store.threads import Sort


def viewer(world: World, handle: str) -> Viewer:
    _uid, token = world.user(handle)
    user = Accounts(world.rt).resolve(token)
    assert user is not None
    return Viewer(user=user, ip="127.0.0.1", token=token)


def post(world: World, who: Viewer, body: str, parent: int | None = None, **kw: object) -> Comment:
    comment, created = Comments(world.rt).create(
        world.story.id,
        Draft(body, parent, **kw),  # type: ignore[arg-type]
        who,
    )
    assert created
    return comment


def numbers(comments: list[Comment]) -> list[str]:
    return [
        ".".join(str(int(c.path[i : i + 5], 36)) for i in range(0, len(c.path), 5))
        for c in comments
    ]


def story_row(world: World, story_id: int | None = None) -> Story:
    with world.rt.db.session(write=False) as s:
        story = s.get(Story, story_id or world.story.id)
        assert story is not None
        return story


def events(world: World, story_id: int) -> list[tuple[int, str, int | None]]:
    with world.rt.db.session(write=False) as s:
        rows = s.execute(
            select(Event.seq, Event.kind, Event.comment_id)
            .where(Event.story_id == story_id)
            .order_by(Event.seq)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_paths_ordinals_and_depth_five_levels_deep(world: World) -> None:
    ann = viewer(world, "ann")
    top = post(world, ann, "top")
    chain = [top]
    for level in range(1, 6):
        chain.append(post(world, ann, f"level {level}", chain[-1].id))
    second = post(world, ann, "second reply to top", top.id)
    assert [c.depth for c in chain] == [0, 1, 2, 3, 4, 5]
    assert [c.ordinal for c in chain] == [1, 1, 1, 1, 1, 1]
    assert chain[-1].path == "00001" * 6
    assert [c.parent_id for c in chain] == [None, *[c.id for c in chain[:-1]]]
    assert (second.path, second.depth, second.ordinal) == ("0000100002", 1, 2)
    with world.rt.db.session(write=False) as s:
        rows = {c.id: c for c in s.scalars(select(Comment)).unique()}
    assert rows[top.id].child_count == 2
    assert [rows[c.id].child_count for c in chain[1:]] == [1, 1, 1, 1, 0]


def test_ordinals_use_base36_and_sort_in_display_order(world: World) -> None:
    ann = viewer(world, "ann")
    tops = [post(world, ann, f"top {i}") for i in range(1, 13)]
    assert tops[9].path == "0000a" and tops[11].path == "0000c"
    page = Threads(world.rt).page(story_row(world), ann, limit=100)
    assert numbers(page.comments) == [str(i) for i in range(1, 13)]


def test_page_is_in_display_order(world: World) -> None:
    ann, bob = viewer(world, "ann"), viewer(world, "bob")
    t1 = post(world, ann, "one")
    t2 = post(world, bob, "two")
    t3 = post(world, ann, "three")
    r11 = post(world, bob, "1.1", t1.id)
    post(world, ann, "3.1", t3.id)
    post(world, ann, "1.1.1", r11.id)
    post(world, bob, "1.2", t1.id)
    post(world, bob, "2.1", t2.id)
    page = Threads(world.rt).page(story_row(world), ann)
    assert numbers(page.comments) == ["1", "1.1", "1.1.1", "1.2", "2", "2.1", "3", "3.1"]
    assert [c.body_src for c in page.comments][:4] == ["one", "1.1", "1.1.1", "1.2"]
    assert page.next_cursor is None


def _all_pages(world: World, who: Viewer, sort: Sort) -> tuple[list[str], list[list[str]]]:
    tops: list[str] = []
    pages: list[list[str]] = []
    after: str | None = None
    for _ in range(20):
        page = Threads(world.rt).page(story_row(world), who, sort=sort, after=after, limit=3)
        pages.append(numbers(page.comments))
        tops += [n for n in numbers(page.comments) if "." not in n]
        after = page.next_cursor
        if after is None:
            break
    return tops, pages


def test_paging_with_cursors_covers_every_top_level_once(world: World) -> None:
    ann = viewer(world, "ann")
    for i in range(1, 12):
        top = post(world, ann, f"top {i}")
        if i % 2:
            post(world, ann, f"reply to {i}", top.id)
    tops, pages = _all_pages(world, ann, Sort.oldest)
    assert tops == [str(i) for i in range(1, 12)]
    assert pages[0] == ["1", "1.1", "2", "3", "3.1"]
    assert len(pages) == 4
    tops, pages = _all_pages(world, ann, Sort.newest)
    assert tops == [str(i) for i in range(11, 0, -1)]
    assert pages[0] == ["11", "11.1", "10", "9", "9.1"]
    assert pages[-1] == ["2", "1", "1.1"]


def test_newest_first_keeps_replies_oldest_first(world: World) -> None:
    ann = viewer(world, "ann")
    t1 = post(world, ann, "one")
    post(world, ann, "two")
    r1 = post(world, ann, "1.1", t1.id)
    post(world, ann, "1.2", t1.id)
    post(world, ann, "1.1.1", r1.id)
    post(world, ann, "1.3", t1.id)
    page = Threads(world.rt).page(story_row(world), ann, sort=Sort.newest)
    assert numbers(page.comments) == ["2", "1", "1.1", "1.1.1", "1.2", "1.3"]


def test_read_context_gives_ancestors_and_subtree(world: World) -> None:
    ann = viewer(world, "ann")
    t1 = post(world, ann, "one")
    r1 = post(world, ann, "1.1", t1.id)
    r11 = post(world, ann, "1.1.1", r1.id)
    r111 = post(world, ann, "1.1.1.1", r11.id)
    post(world, ann, "1.1.2", r1.id)
    post(world, ann, "1.2", t1.id)
    post(world, ann, "two")
    with world.rt.db.session(write=False) as s:
        ctx = threads.read_context(s, r11.id)
        assert threads.read_context(s, 999_999) is None
    assert ctx is not None
    assert [c.id for c in ctx.ancestors] == [t1.id, r1.id]
    assert ctx.comment.id == r11.id
    assert [c.id for c in ctx.subtree] == [r111.id]
    whole = Threads(world.rt).context(r1.id, ann)
    assert numbers(whole.subtree) == ["1.1.1", "1.1.1.1", "1.1.2"]
    assert numbers(whole.ancestors) == ["1"]


def test_counters_and_gapless_events_per_story(world: World) -> None:
    ann = viewer(world, "ann")
    svc = Comments(world.rt)
    t1 = post(world, ann, "It is interesting that our runaways from mobilization.")
    t2 = post(world, ann, "two")
    quoting = post(
        world, ann, "reply", t1.id,
        quote=QuoteRequest(QuoteSource.comment, "our runaways from mobilization", t1.id),
    )  # fmt: skip
    assert quoting.quote_state is QuoteState.verified
    svc.edit(t2.id, "two, edited", ann)
    svc.delete(t1.id, ann)
    other = world.other_story()
    svc.create(other.id, Draft("elsewhere"), ann)
    story = story_row(world)
    assert (story.comment_count, story.child_count, story.event_seq) == (3, 2, 6)
    assert events(world, world.story.id) == [
        (1, "comment.created", t1.id),
        (2, "comment.created", t2.id),
        (3, "comment.created", quoting.id),
        (4, "comment.edited", t2.id),
        # The quote's re-evaluation is recorded in the same unit of work as the deletion.
        (5, "comment.quote_state", quoting.id),
        (6, "comment.deleted", t1.id),
    ]
    assert events(world, other.id) == [(1, "comment.created", events(world, other.id)[0][2])]
    with world.rt.db.session(write=False) as s:
        t1_row = s.get(Comment, t1.id)
        q_row = s.get(Comment, quoting.id)
        revisions = s.execute(text("SELECT body_src FROM comment_revisions")).scalars().all()
    assert t1_row is not None and t1_row.child_count == 1
    assert t1_row.status is CommentStatus.deleted and t1_row.path == "00001"
    assert q_row is not None and q_row.quote_state is QuoteState.source_deleted
    assert revisions == ["two"]


RIGGED = "I would never say the election was rigged."


def quote_rows(world: World, *ids: int) -> list[tuple[QuoteState | None, int | None]]:
    with world.rt.db.session(write=False) as s:
        rows = [s.get(Comment, i) for i in ids]
    return [(r.quote_state, r.quote_coverage) for r in rows if r is not None]


def quote_events(world: World) -> list[tuple[int | None, dict[str, object]]]:
    with world.rt.db.session(write=False) as s:
        rows = s.execute(
            select(Event.comment_id, Event.payload)
            .where(Event.story_id == world.story.id, Event.kind == "comment.quote_state")
            .order_by(Event.seq)
        ).all()
    return [(r[0], r[1]) for r in rows]


def test_an_edited_source_never_turns_faithful_quotes_into_forgeries(world: World) -> None:
    ann, bob = viewer(world, "ann"), viewer(world, "bob")
    svc = Comments(world.rt)
    src = post(world, ann, RIGGED)

    def quote(words: str) -> int:
        return post(world, bob, "so", quote=QuoteRequest(QuoteSource.comment, words, src.id)).id

    kept = quote("never say the election was rigged")
    cut = quote("the election was rigged")
    short = quote("rig")
    made_up = quote("I always say the election was rigged")
    ids = (kept, cut, short, made_up)
    assert quote_rows(world, *ids) == [
        (QuoteState.verified, 75),
        (QuoteState.out_of_context, 50),
        (QuoteState.too_short, None),
        (QuoteState.altered, None),
    ]
    svc.edit(src.id, "I changed my mind.", ann)
    # The coverage stays stored as the record that the words matched.
    assert quote_rows(world, *ids) == [
        (QuoteState.source_edited, 75),
        (QuoteState.source_edited, 50),
        (QuoteState.too_short, None),
        (QuoteState.altered, None),
    ]
    svc.edit(src.id, "I always say the election was rigged.", ann)
    assert quote_rows(world, *ids) == [
        (QuoteState.source_edited, 75),
        (QuoteState.verified, 57),  # 4 of 7 words, no negation before them now
        (QuoteState.too_short, None),
        (QuoteState.verified, 100),  # the source came round to the quote
    ]
    svc.edit(src.id, RIGGED, ann)
    assert quote_rows(world, *ids) == [
        (QuoteState.verified, 75),
        (QuoteState.out_of_context, 50),
        (QuoteState.too_short, None),
        (QuoteState.source_edited, 100),  # it matched since: no longer the quoter's fault
    ]
    svc.delete(src.id, ann)
    assert [state for state, _c in quote_rows(world, *ids)] == [QuoteState.source_deleted] * 4
    # One event per quote whose state or coverage changed, with what it changed to.
    assert quote_events(world) == [
        (kept, {"state": "source_edited", "coverage": 75}),
        (cut, {"state": "source_edited", "coverage": 50}),
        (cut, {"state": "verified", "coverage": 57}),
        (made_up, {"state": "verified", "coverage": 100}),
        (kept, {"state": "verified", "coverage": 75}),
        (cut, {"state": "out_of_context", "coverage": 50}),
        (made_up, {"state": "source_edited", "coverage": 100}),
        (kept, {"state": "source_deleted", "coverage": 75}),
        (cut, {"state": "source_deleted", "coverage": 50}),
        (short, {"state": "source_deleted", "coverage": None}),
        (made_up, {"state": "source_deleted", "coverage": 100}),
    ]


def test_an_edited_story_never_turns_faithful_quotes_into_forgeries(world: World) -> None:
    ann = viewer(world, "ann")
    stories = Stories(world.rt)
    stories.update_content(world.story.id, body=RIGGED)

    def quote(words: str) -> int:
        return post(world, ann, "so", quote=QuoteRequest(QuoteSource.story, words)).id

    ids = (quote("never say the election was rigged"), quote("the election was rigged"))
    assert quote_rows(world, *ids) == [(QuoteState.verified, 75), (QuoteState.out_of_context, 50)]
    stories.update_content(world.story.id, body="Nothing of the kind.")
    assert quote_rows(world, *ids) == [
        (QuoteState.source_edited, 75),
        (QuoteState.source_edited, 50),
    ]
    stories.update_content(world.story.id, body=f"{RIGGED}\n\nMore words here now.")
    assert quote_rows(world, *ids) == [(QuoteState.verified, 50), (QuoteState.out_of_context, 33)]


def _race(n: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(i)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers)
    return errors


def test_concurrent_replies_get_distinct_ordinals(world: World) -> None:
    ann = viewer(world, "ann")
    parent = post(world, ann, "parent")
    made: list[Comment] = []

    def reply(i: int) -> None:
        c, _ = Comments(world.rt).create(world.story.id, Draft(f"reply {i}", parent.id), ann)
        made.append(c)

    assert _race(6, reply) == []
    assert sorted(c.path for c in made) == [f"0000100{i:03d}" for i in range(1, 7)]
    with world.rt.db.session(write=False) as s:
        paths = s.scalars(select(Comment.path).where(Comment.parent_id == parent.id)).all()
        row = s.get(Comment, parent.id)
    assert sorted(paths) == [f"0000100{i:03d}" for i in range(1, 7)]
    assert row is not None and row.child_count == 6
    assert [seq for seq, _k, _c in events(world, world.story.id)] == list(range(1, 8))


def test_idempotency_key_replay_returns_the_same_comment(world: World) -> None:
    ann = viewer(world, "ann")
    svc = Comments(world.rt)
    first, created = svc.create(world.story.id, Draft("hello", idempotency_key="key-abcdef01"), ann)
    again, created_again = svc.create(
        world.story.id, Draft("hello", idempotency_key="key-abcdef01"), ann
    )
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert story_row(world).comment_count == 1


def test_concurrent_submits_with_one_key_create_one_row(world: World) -> None:
    ann = viewer(world, "ann")
    ids: list[int] = []

    def submit(_i: int) -> None:
        c, _ = Comments(world.rt).create(
            world.story.id, Draft("retry me", idempotency_key="same-key-123456"), ann
        )
        ids.append(c.id)

    assert _race(6, submit) == []
    assert len(set(ids)) == 1 and len(ids) == 6
    with world.rt.db.session(write=False) as s:
        count = s.scalar(
            select(func.count())
            .select_from(Comment)
            .where(Comment.idempotency_key == "same-key-123456")
        )
        total = s.scalar(select(func.count()).select_from(Comment))
    assert (count, total) == (1, 1)
    story = story_row(world)
    assert (story.comment_count, story.child_count, story.event_seq) == (1, 1, 1)


def _while_blocked(
    dsn: str, row_id: int, jobs: list[Callable[[], object]], waiters: int = 1
) -> list[BaseException]:
    """Hold comment `row_id` locked, start each job once the one before waits on a lock (or,
    for pipeline writes, which share the group writer's one connection, once the first
    waits and the rest are queued behind it), then let go: the jobs meet in the order given."""
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    with psycopg.connect(dsn) as blocker, psycopg.connect(dsn, autocommit=True) as watch:
        blocker.execute("SELECT id FROM comments WHERE id = %s FOR UPDATE", (row_id,))
        workers = []
        for n, job in enumerate(jobs, start=1):
            workers.append(threading.Thread(target=run, args=(job,)))
            workers[-1].start()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                row = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                ).fetchone()
                if row is not None and row[0] >= min(n, waiters):
                    break
                time.sleep(0.01)
        blocker.rollback()
        for w in workers:
            w.join(timeout=60)
    return errors


# Row locks are PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE.
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("action", ["edit", "delete"])
def test_a_write_racing_a_new_quote_of_its_comment_does_not_deadlock(
    world: World, action: str
) -> None:
    """An edit locks its comment; a new top-level comment quoting it holds the story row and
    needs the comment (foreign key). Writers must take the story first, or PostgreSQL aborts
    one with "deadlock detected". A blocking row lock forces the bad interleaving."""
    assert not world.rt.db.is_sqlite
    ann = viewer(world, "ann")
    svc = Comments(world.rt)
    source = post(world, ann, "It is interesting that our runaways from mobilization.")
    quote = QuoteRequest(QuoteSource.comment, "interesting that our runaways", source.id)
    made: list[Comment] = []

    def change() -> None:
        if action == "edit":
            svc.edit(source.id, "Something else entirely.", ann)
        else:
            svc.delete(source.id, ann)

    def quote_it() -> None:
        made.append(svc.create(world.story.id, Draft("so?", quote=quote), ann)[0])

    errors = _while_blocked(world.rt.config.database_url, source.id, [change, quote_it])
    if action == "edit":
        # The quote is judged against the edited text as committed, never the one read
        # before the edit. Checked on submission before the edit committed, its words were
        # the source's, so the edit is the source's doing (source_edited); checked after
        # (the machine was slow to start that thread), they never matched (altered).
        assert errors == [] and len(made) == 1
        with world.rt.db.session(write=False) as s:
            row = s.get(Comment, made[0].id)
        assert row is not None
        assert row.quote_state in (QuoteState.source_edited, QuoteState.altered)
        assert [k for _s, k, _c in events(world, world.story.id)] == [
            "comment.created", "comment.edited", "comment.created",
        ]  # fmt: skip
    else:
        # The deletion went first, so quoting it is refused cleanly; nothing is half-stored.
        assert [str(e) for e in errors] == ["The quoted comment was deleted."]
        assert made == []
        assert [k for _s, k, _c in events(world, world.story.id)] == [
            "comment.created", "comment.deleted",
        ]  # fmt: skip
        assert story_row(world).comment_count == 1


def test_first_sight_of_a_url_from_many_readers_makes_one_story(world: World) -> None:
    """The embed creates a story on first load; readers arriving together must share it."""
    found: list[int] = []
    url = "https://news.example/2026/breaking"

    def load(_i: int) -> None:
        found.append(Stories(world.rt).by_url(url, title="Breaking").id)

    assert _race(6, load) == []
    assert len(found) == 6 and len(set(found)) == 1
    with world.rt.db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Story).where(Story.url == url)) == 1
