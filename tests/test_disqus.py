"""`veche import disqus` on a realistic export: parents, authors, times and statuses, a
re-run that duplicates nothing, a changed export applied, bad records reported, --strict."""

from __future__ import annotations

import datetime as dt
import re
import tracemalloc
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import World
from tests.disqus_files import write_export
from veche.cli.main import main
from veche.domain.enums import CommentStatus
from veche.importers.disqus import DisqusSource, message_markdown, parse_time
from veche.importers.model import Rejected
from veche.service.runtime import Runtime
from veche.store.import_models import ImportedCommentRef, ImportIdentity
from veche.store.models import Comment, Story, User

SAMPLE = Path(__file__).parent / "data" / "importers" / "disqus" / "coast-gazette.xml"
STORM = "https://news.example/2024/03/storm-cuts-coast-road"
PIER = "https://news.example/2024/03/harbour-council-vote"
UTC = dt.UTC

# dsq:id: (parent dsq:id, author handle or None, guest name, created at, status)
EXPECTED: dict[str, tuple[str | None, str | None, str | None, dt.datetime, CommentStatus]] = {
    "5000001": (None, "martak", None, dt.datetime(2024, 3, 5, 8, 1, 12, tzinfo=UTC),
                CommentStatus.visible),
    "5000002": (None, None, "Worried commuter", dt.datetime(2024, 3, 5, 8, 45, tzinfo=UTC),
                CommentStatus.visible),
    "5000003": ("5000001", "nadezda_p", None, dt.datetime(2024, 3, 5, 9, 30, tzinfo=UTC),
                CommentStatus.visible),
    "5000004": ("5000002", "Ольга Сергеевна", None, dt.datetime(2024, 3, 5, 9, 2, tzinfo=UTC),
                CommentStatus.visible),
    "5000005": (None, "martak", None, dt.datetime(2024, 3, 5, 10, 0, tzinfo=UTC),
                CommentStatus.deleted),
    "5000006": ("5000005", "chenli88", None, dt.datetime(2024, 3, 5, 10, 20, tzinfo=UTC),
                CommentStatus.visible),
    "5000007": (None, None, "deals4u", dt.datetime(2024, 3, 5, 11, 0, tzinfo=UTC),
                CommentStatus.rejected),
    "5000010": (None, "martak", None, dt.datetime(2024, 3, 6, 10, 15, tzinfo=UTC),
                CommentStatus.visible),
    # +02:00 in the file: before its parent in time, after it in the thread.
    "5000011": ("5000010", None, "guest", dt.datetime(2024, 3, 6, 9, 40, tzinfo=UTC),
                CommentStatus.visible),
}  # fmt: skip
SKIPPED = [
    "skipped line 196: post 5000009: createdAt 'last Tuesday' is not a date",
    "skipped line 238: post 5000012: its thread 9999999 is not in the file",
    "skipped line 180: its parent 4999999 is not in the source",
]


def imported(rt: Runtime) -> dict[str, Comment]:
    with rt.db.session(write=False) as s:
        rows = s.execute(
            select(ImportedCommentRef.external_id, Comment).join(
                Comment, Comment.id == ImportedCommentRef.comment_id
            )
        ).all()
        return {key: comment for key, comment in rows}


def check_sample(rt: Runtime) -> None:
    got = imported(rt)
    assert sorted(got) == sorted(EXPECTED)
    by_id = {c.id: key for key, c in got.items()}
    for key, (parent, handle, guest, when, status) in EXPECTED.items():
        c = got[key]
        assert (by_id.get(c.parent_id or 0), c.created_at, c.status) == (parent, when, status), key
        assert (c.author.handle if c.author else None, c.guest_name) == (handle, guest), key
    assert got["5000001"].body_src == (
        "The road was closed at **6 am** and nobody told the bus drivers.\n\n"
        "See [the status page](https://roads.example/status)."
    )
    assert (
        "<script>" not in got["5000010"].body_html and "<li>7 for</li>" in got["5000010"].body_html
    )
    assert got["5000004"].body_html.startswith("<blockquote>")
    with rt.db.session(write=False) as s:
        stories = {st.url: st for st in s.scalars(select(Story)).unique()}
        storm, pier = stories[STORM], stories[PIER]
        assert (storm.title, storm.is_open, storm.comment_count) == (
            "Storm cuts the coast road", True, 7,
        )  # fmt: skip
        assert (pier.is_open, pier.comment_count) == (False, 2)
        assert storm.created_at == dt.datetime(2024, 3, 5, 7, 12, 40, tzinfo=UTC)
        assert "https://news.example/2024/03/tide-tables" not in stories  # no comments
        assert "https://news.example/2024/03/withdrawn" not in stories  # deleted in Disqus
        users = {u.handle: u for u in s.scalars(select(User))}
        assert set(users) == {"martak", "nadezda_p", "Ольга Сергеевна", "chenli88"}
        assert users["nadezda_p"].display_name == "Nadežda P."
        assert users["chenli88"].display_name == "李小龙 <script>alert(1)</script>"
        # Nobody can sign in as them: no password, no address; the address stays with the
        # identity, keyed by the source.
        assert all(u.password_hash is None and u.email is None for u in users.values())
        identity = s.scalars(
            select(ImportIdentity).where(ImportIdentity.external_id == "user:martak")
        ).one()
        assert (identity.source, identity.email) == ("disqus", "marta.k@example.org")


def test_disqus_sample(cli: CliRunner, world: World, client: TestClient) -> None:
    rt = world.rt
    first = cli.invoke(main, ["import", "disqus", str(SAMPLE), "--site", "news"])
    assert first.exit_code == 0, first.output
    assert re.search(r"threads\s*│\s*2\s*│\s*0\s*│\s*0", first.output), first.output
    assert re.search(r"comments\s*│\s*9\s*│\s*0\s*│\s*0", first.output), first.output
    assert re.search(r"authors\s*│\s*4", first.output), first.output
    for line in SKIPPED:
        assert line in first.output
    check_sample(rt)
    again = cli.invoke(main, ["import", "disqus", str(SAMPLE), "--site", "news"])
    assert again.exit_code == 0, again.output
    assert re.search(r"threads\s*│\s*0\s*│\s*0\s*│\s*2", again.output), again.output
    assert re.search(r"comments\s*│\s*0\s*│\s*0\s*│\s*9", again.output), again.output
    assert re.search(r"authors\s*│\s*0", again.output), again.output
    check_sample(rt)
    with rt.db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 9
        assert s.scalar(select(func.count()).select_from(User)) == 4
        storm = s.scalars(select(Story).where(Story.url == STORM)).unique().one()
    html = client.get(f"/stories/{storm.id}").text
    assert "李小龙 &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "Nadežda P." in html and "Worried commuter" in html


def test_a_changed_export_is_applied(cli: CliRunner, world: World, tmp_path: Path) -> None:
    rt = world.rt
    assert cli.invoke(main, ["import", "disqus", str(SAMPLE), "--site", "news"]).exit_code == 0
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("nobody told the bus drivers.", "nobody told the drivers.")
    text = text.replace(  # 5000003 deleted in Disqus since
        "<createdAt>2024-03-05T09:30:00Z</createdAt>\n    <isDeleted>false</isDeleted>",
        "<createdAt>2024-03-05T09:30:00Z</createdAt>\n    <isDeleted>true</isDeleted>",
    )
    text = text.replace(
        "<createdAt>last Tuesday</createdAt>", "<createdAt>2024-03-05T13:00:00Z</createdAt>"
    )
    changed = tmp_path / "changed.xml"
    changed.write_text(text, encoding="utf-8")
    result = cli.invoke(main, ["import", "disqus", str(changed), "--site", "news"])
    assert result.exit_code == 0, result.output
    assert re.search(r"comments\s*│\s*1\s*│\s*2\s*│\s*7", result.output), result.output
    got = imported(rt)
    assert got["5000001"].body_src.startswith(
        "The road was closed at **6 am** and nobody told the drivers."
    )
    assert got["5000001"].edited_at is not None
    assert got["5000003"].status is CommentStatus.deleted
    assert got["5000009"].created_at == dt.datetime(2024, 3, 5, 13, 0, tzinfo=UTC)
    assert got["5000009"].guest_name == "Time traveller"


def test_strict_fails_before_writing(cli: CliRunner, world: World) -> None:
    result = cli.invoke(main, ["import", "disqus", str(SAMPLE), "--site", "news", "--strict"])
    assert result.exit_code == 1
    assert (
        "Error: line 196: post 5000009: createdAt 'last Tuesday' is not a date "
        "(--strict: nothing was written)." in result.output
    )
    with world.rt.db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 0
        assert s.scalar(select(func.count()).select_from(Story)) == 1  # the world's own


def test_import_only_identities_are_never_merged(cli: CliRunner, world: World) -> None:
    member_id, _token = world.user("martak", display_name="Marta Here")
    result = cli.invoke(main, ["import", "disqus", str(SAMPLE), "--site", "news"])
    assert result.exit_code == 0, result.output
    got = imported(world.rt)
    marta = got["5000001"].author
    assert marta is not None and marta.id != member_id
    assert (marta.handle, marta.display_name) == ("martak 2", "Marta Kowalczyk")


def test_parser_reports_and_converts(tmp_path: Path) -> None:
    source = DisqusSource(SAMPLE)
    threads = list(source.threads())
    assert [t.story.external_id for t in threads] == ["7710041", "7710042"]
    assert source.rejected == [
        Rejected("line 196", "post 5000009: createdAt 'last Tuesday' is not a date"),
        Rejected("line 238", "post 5000012: its thread 9999999 is not in the file"),
    ]
    assert parse_time("2024-03-06T11:40:00+02:00") == dt.datetime(2024, 3, 6, 9, 40, tzinfo=UTC)
    assert parse_time("2024-03-06T11:40:00") == dt.datetime(2024, 3, 6, 11, 40, tzinfo=UTC)
    assert message_markdown("<p>a<br>b</p><script>x()</script>") == "a  \nb"
    broken = tmp_path / "broken.xml"
    broken.write_text(SAMPLE.read_text(encoding="utf-8")[:3000], encoding="utf-8")
    from veche.importers.sources import SourceError

    try:
        list(DisqusSource(broken).threads())
    except SourceError as exc:
        assert "broken.xml: line" in str(exc)
    else:
        raise AssertionError("a truncated file must be refused")


def _peak(path: Path) -> int:
    tracemalloc.start()
    try:
        for _thread in DisqusSource(path).threads():
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Ten times the comments, in threads of the same size: about the same peak."""
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    write_export(small, 600, per_thread=25)
    write_export(large, 6_000, per_thread=25)
    assert large.stat().st_size > 9 * small.stat().st_size
    small_peak, large_peak = _peak(small), _peak(large)
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
