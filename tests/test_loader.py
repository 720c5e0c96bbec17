"""The one import loader (importers/loader.py): foreign names kept and rendered inert, handles
derived and never merged into members, parents first, statuses mapped, re-runs idempotent,
one transaction per thread and --strict."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import ORIGIN, World
from veche.cli.main import main
from veche.domain import validation
from veche.domain.enums import CommentStatus, QuoteSource
from veche.importers.authors import handle_base
from veche.importers.loader import ImportFailed, ImportReport, load
from veche.importers.model import (
    ImportedAuthor,
    ImportedComment,
    ImportedQuote,
    ImportedStatus,
    ImportedStory,
    ImportThread,
    Rejected,
)
from veche.importers.order import parents_first
from veche.service.runtime import Runtime
from veche.store.import_models import ImportedCommentRef
from veche.store.models import Comment, Story, User

FOREIGN = Path(__file__).parent / "data" / "importers" / "page-text" / "foreign-handles.txt"
T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


@dataclass
class ListSource:
    """A source over threads built in the test: the loader sees only the protocol."""

    items: list[ImportThread]
    name: str = "test"
    rejected: list[Rejected] = field(default_factory=list)

    def threads(self) -> Iterator[ImportThread]:
        yield from self.items


def comment(key: str, parent: str | None = None, **kw: object) -> ImportedComment:
    fields: dict[str, object] = {
        "author": ImportedAuthor(f"a{key}", f"Author {key}"),
        "created_at": T0 + dt.timedelta(minutes=int(re.sub(r"\D", "", key) or 0)),
        "body": f"Comment {key}.",
    }
    fields.update(kw)
    return ImportedComment(key, parent, **fields)  # type: ignore[arg-type]


def story(key: str, **kw: object) -> ImportedStory:
    return ImportedStory(key, f"{ORIGIN}/imported/{key}", f"Story {key}", **kw)  # type: ignore[arg-type]


def by_key(rt: Runtime) -> dict[str, Comment]:
    with rt.db.session(write=False) as s:
        rows = s.execute(
            select(ImportedCommentRef.external_id, Comment).join(
                Comment, Comment.id == ImportedCommentRef.comment_id
            )
        ).all()
        return {key: c for key, c in rows}


def test_foreign_handles_import_completely_and_render_inert(
    cli: CliRunner, world: World, client: TestClient
) -> None:
    member_id, _token = world.user("Denis Z")
    result = cli.invoke(
        main, ["import", "page-text", str(FOREIGN), "--site", "news", "--url", f"{ORIGIN}/fest"]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"comments\s*│\s*7\s*│", result.output), result.output
    assert re.search(r"skipped\s*│\s*0", result.output), result.output
    with world.rt.db.session(write=False) as s:
        imported = s.scalars(select(User).where(User.id != member_id).order_by(User.id)).all()
        fest = s.scalars(select(Story).where(Story.url == f"{ORIGIN}/fest")).unique().one()
    names = [(u.handle, u.display_name) for u in imported]
    assert names == [
        ("Nadežda P", "Nadežda P."),
        ("彡 Ǥʀᴇɢ 彡", "Greg the Fisherman!!!"),
        (
            "Maximilian Alexander von Hohen",
            "Maximilian Alexander Ferdinand Karl Ludwig von Hohenberg-Wittelsbach und Sachse…",
        ),
        ("script alert 'x' script", "<script>alert('x')</script>"),
        ("Bold Bob", "[click](javascript:alert(1))"),
        ("reader", "..."),
        ("Denis Z 2", "Denis Z"),  # never the member who holds "Denis Z" here
    ]
    for user in imported:
        assert validation.handle(user.handle) == user.handle
        assert user.password_hash is None and user.email is None
        assert len(user.display_name or "") <= 80
    assert fest.comment_count == 7
    html = client.get(f"/stories/{fest.id}").text
    assert "<script>alert" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "(Nadežda P.)" in html and "([click](javascript:alert(1)))" in html  # as text
    assert "**Bold Bob**" not in html  # the handle lost its markup
    quoted = by_key(world.rt)["5"]
    assert (quoted.quote_source, quoted.quote_comment_id) == (
        QuoteSource.comment,
        by_key(world.rt)["1"].id,
    )


def test_handle_base() -> None:
    assert handle_base("Nadežda P.") == "Nadežda P"
    assert handle_base(None, "", "__x__", "ok name") == "ok name"
    assert handle_base("Moderator") == "reader"  # a staff title is never derived
    assert handle_base("x" * 50) == "x" * 30
    assert handle_base("日本語の名前") == "日本語の名前"


def test_parents_first_and_what_cannot_be_placed() -> None:
    items = [
        comment("3", "2"),
        comment("2", "1"),
        comment("1"),
        comment("9", "8"),  # 8 is nowhere
        comment("10", "9"),  # under the missing one
        comment("11", "12"),
        comment("12", "11"),  # a loop
        comment("1"),  # repeated
        comment("13", "old"),  # replies to one an earlier run wrote
    ]
    ordered, rejects = parents_first(items, {"old"})
    assert [c.external_id for c in ordered] == ["1", "2", "3", "13"]
    assert sorted(r.reason for r in rejects) == sorted(
        [
            "comment id 1 appears twice",
            "its parent 8 is not in the source",
            "its parent 9 was skipped",
            "its parent 11 was skipped",
            "its parent 12 was skipped",
        ]
    )


def test_statuses_times_and_reruns(world: World) -> None:
    rt = world.rt
    quoting = ImportedQuote("Comment 1.", "1")
    thread = ImportThread(
        story("s1", body="The harbour is closed.", created_at=T0),
        [
            comment("1"),
            comment("2", "1", status=ImportedStatus.pending),
            comment("3", "1", status=ImportedStatus.spam),
            comment("4", status=ImportedStatus.deleted, body=""),
            comment("5", "4", quote=quoting),
            comment("6", author=None, guest_name="A passer-by"),
            comment("7", quote=ImportedQuote("The harbour is closed.")),
        ],
    )
    first = load(rt, ListSource([thread]), site_name="news")
    assert (first.threads_created, first.comments_created, first.authors_created) == (1, 7, 6)
    got = by_key(rt)
    assert [got[k].status for k in "1234567"] == [
        CommentStatus.visible, CommentStatus.pending, CommentStatus.rejected,
        CommentStatus.deleted, CommentStatus.visible, CommentStatus.visible,
        CommentStatus.visible,
    ]  # fmt: skip
    assert got["2"].held_by == "import"
    assert got["4"].body_src == "(deleted before import)"
    assert got["5"].parent_id == got["4"].id and got["5"].quote_comment_id == got["1"].id
    assert got["7"].quote_source is QuoteSource.story
    assert (got["6"].author_id, got["6"].guest_name) == (None, "A passer-by")
    assert [got[k].created_at for k in "1234567"] == [
        T0 + dt.timedelta(minutes=n) for n in range(1, 8)
    ]
    again = load(rt, ListSource([thread]), site_name="news")
    assert (again.threads_unchanged, again.comments_unchanged, again.comments_created) == (1, 7, 0)
    assert again.authors_created == 0
    changed = ImportThread(
        story("s1", body="The harbour is closed.", created_at=T0, closed=True),
        [
            comment("1", body="Comment 1, edited there."),
            comment("2", "1"),  # approved there since
            *thread.comments[2:],
            comment("8", "7"),
        ],
    )
    third = load(rt, ListSource([changed]), site_name="news")
    assert (third.threads_updated, third.comments_created, third.comments_updated) == (1, 1, 2)
    got = by_key(rt)
    assert got["1"].body_src == "Comment 1, edited there." and got["1"].edited_at is not None
    assert got["2"].status is CommentStatus.visible
    with rt.db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 8
        s1 = s.scalars(select(Story).where(Story.url == f"{ORIGIN}/imported/s1")).unique().one()
        assert (s1.is_open, s1.comment_count) == (False, 8)


def test_strict_keeps_whole_threads_written_before(world: World) -> None:
    rt = world.rt
    good = ImportThread(story("ok"), [comment("1"), comment("2", "1")])
    bad = ImportThread(story("bad"), [comment("3"), comment("4", "3", body="x" * 6000)])
    with pytest.raises(ImportFailed) as failed:
        load(rt, ListSource([good, bad]), site_name="news", strict=True)
    assert failed.value.message == (
        "comment 4: The comment is 6000 characters long; the limit is 5000. (--strict: "
        "1 thread(s) with 2 comment(s) were written before it, and nothing of thread bad)."
    )
    assert isinstance(failed.value.report, ImportReport)
    assert sorted(by_key(rt)) == ["1", "2"]
    lenient = load(rt, ListSource([good, bad]), site_name="news")
    assert lenient.skipped == [
        Rejected("comment 4", "The comment is 6000 characters long; the limit is 5000.")
    ]
    assert sorted(by_key(rt)) == ["1", "2", "3"]


def test_a_thread_whose_url_is_not_a_page_is_skipped(world: World) -> None:
    bad = ImportThread(ImportedStory("x", "javascript:alert(1)", "Bad"), [comment("1")])
    report = load(world.rt, ListSource([bad]), site_name="news")
    assert report.threads == 0 and len(report.skipped) == 1
    assert report.skipped[0].where == "thread x"


def test_ids_longer_than_their_columns_are_reported_or_kept_whole(world: World) -> None:
    """A foreign id over its column is a reported record, never a database error; two long
    author ids that differ only at the end stay two people."""
    long_a, long_b = "x" * 300 + "a", "x" * 300 + "b"
    threads = [
        ImportThread(
            story("s1"),
            [
                comment("1", author=ImportedAuthor(long_a, "Long A")),
                comment("2", author=ImportedAuthor(long_b, "Long B")),
                comment("c" * 256),
                comment("3", parent="p" * 256),
            ],
        ),
        ImportThread(story("t" * 2049)),
    ]
    report = load(world.rt, ListSource(threads), site_name="news")
    reasons = sorted(r.reason for r in report.skipped)
    assert reasons == [
        "a comment id is over 255 characters",
        "a comment id is over 255 characters",
        "a thread id is over 2048 characters",
    ], report.skipped
    found = by_key(world.rt)
    assert set(found) == {"1", "2"}
    assert found["1"].author_id != found["2"].author_id
    again = load(world.rt, ListSource(threads), site_name="news")
    assert again.comments_created == 0 and again.comments_unchanged == 2
