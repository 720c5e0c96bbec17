"""`veche export` of a site or a story: the documented format, what is left out, streaming
reads (one scan per thread), and the CLI's refusals."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event, select

from tests.conftest import ORIGIN, PASSWORD, World
from tests.export_helpers import STORY_QUOTE, build_archive
from veche.cli.main import main
from veche.service.comments import Comments, Draft
from veche.service.export import Export
from veche.service.runtime import Runtime, Viewer
from veche.store.models import AuthSession, User


def exported(rt: Runtime, site: str = "news") -> dict[str, Any]:
    out = io.StringIO()
    Export(rt).site(site, out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def by_id(story: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {c["id"]: c for c in story["comments"]}


def test_a_site_exports_every_comment_in_place_with_what_the_pages_show(world: World) -> None:
    made = build_archive(world)
    ids = made.ids
    data = exported(world.rt)
    assert (data["format"], data["version"]) == ("veche-export", 1)
    assert data["site"] == {
        "name": "news", "created_at": data["site"]["created_at"],
        "allowed_origins": [ORIGIN], "title_suffix": None,
    }  # fmt: skip
    [story] = data["stories"]
    assert (story["id"], story["url"], story["title"]) == (
        world.story.id, world.story.url, "Storm cuts the coast road",
    )  # fmt: skip
    assert story["closed"] is False and STORY_QUOTE in story["body"]
    comments = by_id(story)
    assert len(comments) == len(ids)
    # Display order: every parent before its replies.
    seen: set[int] = set()
    for c in story["comments"]:
        assert c["parent_id"] is None or c["parent_id"] in seen
        seen.add(c["id"])
    root, reply, guest = comments[ids["root"]], comments[ids["reply"]], comments[ids["guest"]]
    assert root["author"] == {
        "id": made.members["ann"],
        "handle": "ann",
        "display_name": "Ann Kask",
    }
    assert root["quote"] == {
        "source": "story", "comment_id": None, "text": STORY_QUOTE, "state": "verified",
    }  # fmt: skip
    assert (reply["parent_id"], reply["number"], reply["body"]) == (
        ids["root"], "1.1", "Was it *full*?",
    )  # fmt: skip
    assert reply["quote"]["comment_id"] == ids["root"]
    assert reply["quote"]["text"] == "A warm hall, at last."
    assert (guest["author"], guest["guest_name"], guest["number"]) == (None, "Passer-by", "1.1.1")
    # Deleted and removed: the place, number and time stay; words, author and quote go.
    for part in ("deleted", "removed"):
        gone = comments[ids[part]]
        assert (gone["body"], gone["author"], gone["quote"], gone["edited_at"]) == (
            None, None, None, None,
        )  # fmt: skip
        assert gone["created_at"] and gone["number"]
    assert comments[ids["deleted"]]["status"] == "deleted"
    assert comments[ids["removed"]]["status"] == "removed"
    assert comments[ids["under_deleted"]]["parent_id"] == ids["deleted"]
    # A quote of a removed comment keeps its link, not the removed words.
    assert comments[ids["quotes_removed"]]["quote"]["text"] is None
    assert "Words a moderator took down." not in json.dumps(data)
    assert "Something I took back." not in json.dumps(data)
    # The publisher's archive keeps what is held or refused, with its status.
    assert comments[ids["pending"]]["status"] == "pending"
    assert comments[ids["pending"]]["body"] == "Waiting for a moderator."
    assert comments[ids["rejected"]]["status"] == "rejected"
    edited = comments[ids["edited"]]
    assert edited["body"] == "Second words, after an edit." and edited["edited_at"]


def test_no_secret_and_no_email_is_written(world: World) -> None:
    build_archive(world)
    text = json.dumps(exported(world.rt))
    with world.rt.db.session(write=False) as s:
        hashes = [h for h in s.scalars(select(User.password_hash)) if h]
        tokens = list(s.scalars(select(AuthSession.token_hash)))
    assert hashes and tokens
    for secret in [*hashes, *tokens, "@example.org", "test-secret-key", "password"]:
        assert secret not in text


def test_an_erased_account_leaves_no_name_in_the_export(world: World) -> None:
    from veche.service.erasure import Erasure
    from veche.service.stories import SiteSettings, Stories

    made = build_archive(world)
    settings = SiteSettings(moderation={"deleted_accounts": "anonymise"})
    Stories(world.rt).update_site("news", settings)
    with world.rt.db.session(write=False) as s:
        user = s.get(User, made.members["bob"])
        assert user is not None
        s.expunge(user)
    Erasure(world.rt).delete_account(Viewer(user, "127.0.0.1", made.tokens["bob"]), PASSWORD)
    data = exported(world.rt)
    reply = by_id(data["stories"][0])[made.ids["reply"]]
    assert (reply["author"], reply["guest_name"], reply["body"]) == (None, None, "Was it *full*?")
    assert '"bob"' not in json.dumps(data) and "[deleted]" not in json.dumps(data)


@contextmanager
def statements(rt: Runtime) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(rt.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", count)


def test_each_thread_is_read_in_one_scan_however_many_parents(world: World) -> None:
    build_archive(world)
    world.other_story("calm")
    with statements(world.rt) as seen:
        data = exported(world.rt)
    assert [len(s["comments"]) for s in data["stories"]] == [10, 0]
    reads = [sql for sql in seen if "FROM comments" in sql]
    assert len(reads) == 2  # one per story, not one per parent or per comment


class Recorder(io.StringIO):
    """Output that notes, with each write, how many statements the database had run."""

    def __init__(self, seen: list[str]) -> None:
        super().__init__()
        self.seen = seen
        self.writes: list[tuple[int, str]] = []

    def write(self, text: str) -> int:
        self.writes.append((len(self.seen), text))
        return super().write(text)


def test_the_export_is_written_as_it_is_read(world: World) -> None:
    """A story's comments are out before the next story's thread is read: nothing waits
    for the whole site in memory."""
    build_archive(world)
    world.other_story("calm")
    with statements(world.rt) as seen:
        out = Recorder(seen)
        Export(world.rt).site("news", out)
    thread_reads = [i for i, sql in enumerate(seen) if "FROM comments" in sql]
    assert len(thread_reads) == 2
    first_body = next(n for n, text in out.writes if "A warm hall, at last." in text)
    assert first_body <= thread_reads[1]
    assert json.loads(out.getvalue())["stories"][1]["comments"] == []


def test_one_story_by_id_or_url(world: World) -> None:
    build_archive(world)
    other = world.other_story("calm")
    user = Viewer(None, "127.0.0.9")
    Comments(world.rt).create(other.id, Draft("Quiet here.", guest_name="Ilse"), user)
    for key in (str(other.id), other.url):
        out = io.StringIO()
        written = Export(world.rt).story(key, out)
        assert (written.stories, written.comments) == (1, 1)
        data = json.loads(out.getvalue())
        assert [s["url"] for s in data["stories"]] == [other.url]
        assert data["stories"][0]["comments"][0]["body"] == "Quiet here."


def run(cli: CliRunner, *args: str) -> Any:
    return cli.invoke(main, list(args))


def test_cli_writes_a_file_whole(cli: CliRunner, world: World, tmp_path: Path) -> None:
    build_archive(world)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "news.json"
    r = run(cli, "export", "--site", "news", "--out", str(target))
    assert r.exit_code == 0, r.output
    assert "Exported 1 stories, 10 comments to" in r.output
    assert json.loads(target.read_text())["stories"][0]["id"] == world.story.id
    assert [p.name for p in target.parent.iterdir()] == ["news.json"]  # no temporary file left
    piped = run(cli, "export", "--story", world.story.url)
    assert piped.exit_code == 0
    assert json.loads(piped.stdout)["stories"][0]["url"] == world.story.url


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--site", "nope"), "Error: There is no site named “nope”."),
        (("--story", "12345"), "Error: There is no story “12345” (give its id or its URL)."),
        (("--story", "9" * 30), "Error: There is no story “999999999999999999999999999999”"),
        (("--story", "https://x.example/a"), "Error: There is no story “https://x.example/a”"),
        (("--user", "nobody"), "Error: There is no user “nobody”."),
    ],
)
def test_cli_unknown_names_are_one_line(
    cli: CliRunner, world: World, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "data.json"
    r = run(cli, "export", *args, "--out", str(target))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip().startswith(message) and len(r.output.strip().splitlines()) == 1
    assert not list(target.parent.iterdir())  # nothing half-written


def test_cli_needs_exactly_one_thing_to_export(cli: CliRunner, world: World) -> None:
    for args in ((), ("--site", "news", "--user", "ann")):
        r = run(cli, "export", *args)
        assert r.exit_code == 2 and "Give one of --site NAME" in r.output


def test_cli_export_migrates_a_fresh_database(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VECHE_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    for args, message in (
        (("--site", "default"), "There is no site named “default”."),
        (("--story", "1"), "There is no story “1” (give its id or its URL)."),
        (("--user", "ann"), "There is no user “ann”."),
    ):
        r = run(cli, "export", *args)
        assert (r.exit_code, r.output.strip()) == (1, f"Error: {message}")
