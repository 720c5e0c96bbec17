"""`veche import page-text` and the importer service on the real seed page and the demo."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import ORIGIN, SEED, World
from veche.cli.main import main
from veche.demo.seed import DEMO_PAGE
from veche.domain.enums import CommentStatus, QuoteSource, QuoteState
from veche.domain.paths import ordinals
from veche.domain.quotes import verify
from veche.importers.page_text import find_article_quote, parse_page_text
from veche.importers.page_text_source import import_page
from veche.service.runtime import Runtime
from veche.store.models import Comment, Story, User

UTC = dt.UTC
# number: (handle, real name, created at, parent number); None handle = guest
SEED_THREAD: dict[tuple[int, ...], tuple[str | None, str | None, dt.datetime]] = {
    (2,): ("Sergey Latyshev", "Serge", dt.datetime(2022, 11, 26, 22, 12, tzinfo=UTC)),
    (3,): ("Cetron", "Peteris", dt.datetime(2022, 11, 26, 23, 39, tzinfo=UTC)),
    (3, 1): ("Rogalex", "Alexander", dt.datetime(2022, 11, 27, 0, 43, tzinfo=UTC)),
    (3, 2): ("In passing", "Galina Rožkova", dt.datetime(2022, 11, 27, 3, 46, tzinfo=UTC)),
    (3, 3): ("Eduard Aplombov", "Eduard Aplombov", dt.datetime(2022, 11, 27, 11, 0, tzinfo=UTC)),
    (4,): ("Denis Z", "Denis Z", dt.datetime(2022, 11, 27, 3, 24, tzinfo=UTC)),
    (4, 1): (None, None, dt.datetime(2022, 11, 27, 16, 33, tzinfo=UTC)),
    (5,): (None, None, dt.datetime(2022, 11, 27, 16, 31, tzinfo=UTC)),
}


def seed_text() -> str:
    # A missing seed is a broken checkout, not an optional extra: fail, never skip.
    assert SEED.is_file(), f"The seed page is missing: {SEED}"
    return SEED.read_text(encoding="utf-8")


def thread(rt: Runtime, story_id: int) -> dict[tuple[int, ...], Comment]:
    with rt.db.session(write=False) as s:
        rows = s.scalars(select(Comment).where(Comment.story_id == story_id)).unique().all()
    return {ordinals(c.path): c for c in rows}


def check_seed_story(rt: Runtime, story_id: int) -> None:
    with rt.db.session(write=False) as s:
        story = s.get(Story, story_id)
        assert story is not None
    assert story.title.startswith("After the announcement of the results of the elections")
    assert story.image_caption == story.title
    assert story.photo_credit == "Ninaras/"
    assert story.body_text is not None and "the State technical service" in story.body_text
    assert (story.comment_count, story.child_count) == (9, 5)
    comments = thread(rt, story_id)
    assert sorted(comments) == sorted([(1,), *SEED_THREAD])
    deleted = comments[(1,)]
    assert (deleted.status, deleted.author, deleted.path) == (CommentStatus.deleted, None, "00001")
    for number, (handle, real_name, when) in SEED_THREAD.items():
        c = comments[number]
        assert c.status is CommentStatus.visible, number
        assert c.created_at == when and c.created_at.tzinfo is not None, number
        parent = comments[number[:-1]].id if len(number) > 1 else None
        assert c.parent_id == parent, number
        if handle is None:
            assert (c.author, c.guest_name) == (None, "guest"), number
        else:
            assert c.author is not None, number
            assert (c.author.handle, c.author.display_name) == (handle, real_name)
    rogalex = comments[(3, 1)]
    assert rogalex.body_src.startswith("I really hope that Russia will not interfere now.")
    guest_quote = comments[(4, 1)]
    assert guest_quote.quote_source is QuoteSource.comment
    assert guest_quote.quote_comment_id == comments[(4,)].id
    assert (
        guest_quote.quote_text
        == "It is interesting that with e .. Scarlet among our beggars from mobilization."
    )
    assert guest_quote.quote_state is QuoteState.altered
    assert (
        guest_quote.body_src
        == "So it's almost certain that they themselves are taking part in the riots there."
    )
    sergey = comments[(2,)]
    found = find_article_quote(parse_seed_comment_body(), story.body_text)
    assert found is not None
    assert sergey.quote_source is QuoteSource.story and sergey.quote_text == found[0]
    assert sergey.quote_state is verify(found[0], story.body_text)
    assert sergey.quote_state is QuoteState.altered  # the page says "has", he wrote "had"
    assert sergey.body_src.startswith("which turned out to be the actions of the poor")


def parse_seed_comment_body() -> str:
    page = parse_page_text(seed_text())
    return page.comments[1].body


def test_cli_imports_the_seed_page(cli: CliRunner, rt: Runtime) -> None:
    runner = cli
    result = runner.invoke(main, ["import", "page-text", str(SEED)])
    assert result.exit_code == 0, result.output
    m = re.search(r"^/stories/(\d+)$", result.output, re.MULTILINE)
    assert m is not None, result.output
    assert re.search(r"comments\s*│\s*9\s*│\s*0\s*│\s*0", result.output), result.output
    check_seed_story(rt, int(m.group(1)))
    # A second run finds what the first wrote: nothing is duplicated.
    again = runner.invoke(main, ["import", "page-text", str(SEED)])
    assert again.exit_code == 0, again.output
    assert re.search(r"comments\s*│\s*0\s*│\s*0\s*│\s*9", again.output), again.output
    assert re.search(r"threads\s*│\s*0\s*│\s*0\s*│\s*1", again.output), again.output
    check_seed_story(rt, int(m.group(1)))
    with rt.db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Story)) == 1
        assert s.scalar(select(func.count()).select_from(Comment)) == 9
        assert s.scalar(select(func.count()).select_from(User)) == 6


def test_service_import_and_hosted_page(client: TestClient, world: World) -> None:
    page = parse_page_text(seed_text())
    story = import_page(world.rt, page, site_name="news", url=f"{ORIGIN}/2022/astana")
    assert story.url == f"{ORIGIN}/2022/astana"
    check_seed_story(world.rt, story.id)
    again = import_page(world.rt, page, site_name="news", url=f"{ORIGIN}/2022/astana")
    assert again.id == story.id
    check_seed_story(world.rt, story.id)
    api = client.get(f"/api/v1/stories/{story.id}/comments").json()
    first, denis = api["comments"][0], api["comments"][3]
    assert (first["number"], first["placeholder"], first["body_html"]) == (
        [1],
        "The comment was deleted.",
        None,
    )
    assert denis["author"]["handle"] == "Denis Z"
    quote = denis["replies"][0]["quote"]
    assert (quote["label"], quote["state"], quote["comment_id"]) == (
        "Quote: Denis Z",
        "altered",
        denis["id"],
    )
    assert denis["replies"][0]["author"]["guest"] is True
    html = client.get(f"/stories/{story.id}").text
    assert "Rogalex" in html and "(Alexander)" in html and "27 November 2022 00:43" in html
    assert "The comment was deleted." in html and "Photos used: Ninaras/" in html


def test_a_bad_record_is_skipped_or_under_strict_fails(
    cli: CliRunner, world: World, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.txt"
    long = "Handle " + "x" * 40  # too long for a handle: one is derived, the comment goes in
    bad.write_text(
        "A headline\n\nSome article text.\n"
        "  1. Good One Offline Good One\n    Good One 1 January 2023 10: 00\n    Fine.\n"
        f"  2. {long} Offline {long}\n    {long} 1 January 2023 10: 05\n    A long handle.\n"
        "  3. Wordy Offline Wordy\n    Wordy 1 January 2023 10: 06\n"
        f"    {'word ' * 1200}\n"
        "    1. Replier Offline Replier\n      Replier 1 January 2023 10: 07\n      Under it.\n",
        encoding="utf-8",
    )
    rt = world.rt
    strict = cli.invoke(main, ["import", "page-text", str(bad), "--site", "news", "--strict"])
    assert strict.exit_code == 1, strict.output
    assert "comment 3: The comment is 5999 characters long; the limit is 5000" in strict.output
    assert "--strict: nothing was written" in strict.output
    missing = cli.invoke(main, ["import", "page-text", str(SEED), "--site", "nope"])
    assert missing.exit_code == 1 and "There is no site named “nope”" in missing.output
    garbled = tmp_path / "garbled.txt"
    garbled.write_text("Title\n\nText\n  1. A Offline A\n    no timestamp here\n", encoding="utf-8")
    result = cli.invoke(main, ["import", "page-text", str(garbled), "--site", "news"])
    assert result.exit_code == 1 and "line 4" in result.output
    with rt.db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Story)) == 1  # world's own story
        assert s.scalar(select(func.count()).select_from(Comment)) == 0
        assert s.scalar(select(func.count()).select_from(User)) == 0
    lenient = cli.invoke(main, ["import", "page-text", str(bad), "--site", "news"])
    assert lenient.exit_code == 0, lenient.output
    assert (
        "skipped comment 3: The comment is 5999 characters long; the limit is 5000"
        in lenient.output
    )
    assert "skipped comment 3.1: its parent 3 was skipped" in lenient.output
    with rt.db.session(write=False) as s:
        handles = s.scalars(select(User.handle).order_by(User.id)).all()
        assert handles == ["Good One", "Handle xxxxxxxxxxxxxxxxxxxxxxx"]
        assert s.scalar(select(func.count()).select_from(Comment)) == 2


def test_demo_page_import(world: World) -> None:
    page = parse_page_text(DEMO_PAGE.read_text(encoding="utf-8"))
    story = import_page(world.rt, page, site_name="news", url=f"{ORIGIN}/demo")
    c = thread(world.rt, story.id)
    assert len(c) == 19 and story.comment_count == 19
    chain = [c[(3,)], c[(3, 1)], c[(3, 1, 1)], c[(3, 1, 1, 1)]]
    assert [x.depth for x in chain] == [0, 1, 2, 3]
    assert [x.parent_id for x in chain[1:]] == [x.id for x in chain[:-1]]
    assert [x.author.handle for x in chain if x.author] == [
        "Tidepool",
        "Gridman",
        "Tidepool",
        "Gridman",
    ]
    assert c[(2,)].status is CommentStatus.deleted
    assert [c[(2, 1)].parent_id, c[(2, 2)].parent_id] == [c[(2,)].id, c[(2,)].id]
    verified, altered = c[(3, 1, 1)], c[(4, 1)]
    assert (verified.quote_comment_id, verified.quote_state) == (c[(3, 1)].id, QuoteState.verified)
    assert (altered.quote_comment_id, altered.quote_state) == (c[(4,)].id, QuoteState.altered)
    assert (c[(3,)].quote_source, c[(3,)].quote_state) == (QuoteSource.story, QuoteState.verified)
    guests = sorted(n for n, x in c.items() if x.guest_name == "guest" and x.author is None)
    assert guests == [(2, 2), (6,)]
    assert c[(1, 1)].author is not None and c[(1, 1)].author.display_name == "Søren Hjelmstad"


def test_a_quote_of_someone_not_on_the_page_is_kept_as_text(world: World) -> None:
    text = (
        "A headline\n\nSome article text.\n"
        "  1. Alpha Offline Alpha\n    Alpha 1 January 2023 10: 00\n"
        "    Quote: Nobody Here\n    Words from somewhere else entirely.\n\n    My reply to that.\n"
    )
    story = import_page(world.rt, parse_page_text(text), site_name="news", url=f"{ORIGIN}/q")
    only = thread(world.rt, story.id)[(1,)]
    assert only.quote_source is None
    assert only.body_html.startswith("<blockquote>\n<p>Quote: Nobody Here</p>\n<p>Words from")
    words = "Quote: Nobody Here Words from somewhere else entirely. My reply to that."
    assert only.body_text.split() == words.split()
