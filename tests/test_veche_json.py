"""veche's own export read back: export a site, import it into a fresh database (the same
engine), and the threads are the same; again, and nothing changes. The file streams."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from tests.conftest import PG_ADMIN_URL, World
from tests.export_helpers import build_archive
from veche.cli.main import main
from veche.importers.loader import load
from veche.importers.model import ImportedStatus
from veche.importers.sources import SourceError
from veche.importers.veche_json import VecheExport
from veche.service.export import Export
from veche.service.personal_data import PersonalData
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories

# What each status becomes in a fresh instance: what readers could not see stays unseen.
AFTER_IMPORT = {
    "visible": "visible", "pending": "pending", "rejected": "rejected",
    "shadowed": "rejected", "deleted": "deleted", "removed": "deleted",
}  # fmt: skip


@pytest.fixture
def fresh(rt: Runtime, tmp_path: Path) -> Iterator[Runtime]:
    """A second, empty database on the same engine as `rt`, with a site to import into."""
    if rt.db.is_sqlite:
        url, drop = f"sqlite:///{tmp_path / 'fresh.db'}", None
    else:
        name = f"veche_fresh_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url, drop = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", name
    other = Runtime.build(replace(rt.config, database_url=url))
    other.db.upgrade()
    Stories(other).create_site("news", SiteSettings(allowed_origins=["https://news.example"]))
    yield other
    other.db.dispose()
    if drop is not None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')


def export_of(rt: Runtime) -> dict[str, Any]:
    out = io.StringIO()
    Export(rt).site("news", out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def shape(data: dict[str, Any], *, imported: bool = False) -> list[Any]:
    """Each story and its thread as the readers and the publisher know it, ids aside: each
    comment by its number, under its parent's number, with its author's name, words, times,
    status and quote (a quoted comment named by its number)."""
    out: list[Any] = []
    for story in data["stories"]:
        numbers = {c["id"]: c["number"] for c in story["comments"]}
        thread = []
        for c in story["comments"]:
            author = c["author"]
            name = (author["display_name"] or author["handle"]) if author else c["guest_name"]
            quote = c["quote"]
            if quote is not None and quote["text"] is None:
                quote = None  # the words of a deleted comment's quote are gone: so is the quote
            if quote is not None:
                quote = (quote["source"], quote["text"], numbers.get(quote["comment_id"]))
            status = c["status"] if imported else AFTER_IMPORT[c["status"]]
            parent = numbers.get(c["parent_id"])
            thread.append(
                (c["number"], parent, name, c["body"], c["created_at"], c["edited_at"], status,
                 quote)
            )  # fmt: skip
        fields = ("url", "title", "created_at", "closed", "body", "comment_count")
        out.append(([story[f] for f in fields], thread))
    return out


def test_export_then_import_into_a_fresh_database_gives_the_same_threads(
    world: World, fresh: Runtime, tmp_path: Path
) -> None:
    build_archive(world)
    world.other_story("calm")
    path = tmp_path / "news.json"
    with path.open("w", encoding="utf-8") as f:
        Export(world.rt).site("news", f)
    before = export_of(world.rt)
    report = load(fresh, VecheExport.open(path), site_name="news")
    assert (report.threads_created, report.comments_created, report.skipped) == (2, 10, [])
    assert report.authors_created == 3  # ann, bob and held: the guest stays a guest
    after = export_of(fresh)
    assert shape(after, imported=True) == shape(before)
    # The quote of the story and of a comment are checked again, and still verified.
    states = {c["quote"]["state"] for c in after["stories"][0]["comments"] if c["quote"]}
    assert states == {"verified"}
    again = load(fresh, VecheExport.open(path), site_name="news")
    assert (again.threads_unchanged, again.comments_unchanged, again.comments_created) == (2, 10, 0)
    assert (again.authors_created, again.skipped) == (0, [])
    assert shape(export_of(fresh), imported=True) == shape(before)


def test_the_members_become_import_identities_keyed_by_their_id(
    world: World, fresh: Runtime, tmp_path: Path
) -> None:
    made = build_archive(world)
    path = tmp_path / "news.json"
    path.write_text(json.dumps(export_of(world.rt)))
    load(fresh, VecheExport.open(path), site_name="news")
    people = PersonalData(fresh)
    ann = people.of(people.user_id("ann"))
    assert (ann["profile"]["display_name"], ann["profile"]["has_password"]) == ("Ann Kask", False)
    assert ann["profile"]["email"] is None  # an export carries no address: none to sign in by
    assert [(i["source"], i["external_id"], i["name"]) for i in ann["imported_as"]] == [
        ("veche", str(made.members["ann"]), "Ann Kask")
    ]
    source = VecheExport.open(path)
    [thread] = list(source.threads())
    authors = {c.author.external_id: c.author for c in thread.comments if c.author}
    assert authors[str(made.members["ann"])].name == "Ann Kask"
    assert authors[str(made.members["ann"])].handle == "ann"
    assert authors[str(made.members["bob"])].name == "bob"  # no display name: the handle
    statuses = {c.external_id: c.status for c in thread.comments}
    assert statuses[str(made.ids["removed"])] is ImportedStatus.deleted
    assert statuses[str(made.ids["rejected"])] is ImportedStatus.spam
    assert source.name == "veche" and source.rejected == []


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.json"
    path.write_text(text, encoding="utf-8")
    return path


HEAD = '{"format": "veche-export", "version": 1, "site": {"name": "x"}, "stories": ['
GOOD = (
    '{"id": 1, "url": "https://news.example/a", "title": "A", "comments": ['
    '{"id": 5, "parent_id": null, "author": null, "guest_name": "Eve",'
    ' "created_at": "2026-01-02T03:04:05+00:00", "status": "visible", "body": "Hello"}]}'
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "disqus", "version": 1, "stories": []}', "is not a veche export"),
        ('{"format": "veche-export", "version": 2, "stories": []}', "of version 2; this veche"),
        ('{"format": "veche-export", "version": 1}', "has no list of stories"),
        ("not json at all", "is not JSON"),
    ],
)
def test_a_file_that_is_not_an_export_of_this_version_is_refused_at_once(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SourceError, match=message) as caught:
        VecheExport.open(path)
    assert str(caught.value).startswith(f"{path}: it ")


def test_the_file_streams_a_story_at_a_time(tmp_path: Path) -> None:
    """The first story is taken before the parser reaches the break in the second."""
    path = write(tmp_path, HEAD + GOOD + ', {"id": 2, "url": "https://news.example/b", "ti')
    threads = VecheExport.open(path).threads()
    first = next(threads)
    assert [c.body for c in first.comments] == ["Hello"]
    with pytest.raises(SourceError, match=r"breaks off after story #1"):
        next(threads)


def test_bad_records_are_reported_by_id_and_skipped(tmp_path: Path) -> None:
    bad_comments = (
        '{"id": 2, "url": "https://news.example/b", "title": "B", "comments": ['
        '{"id": 7, "created_at": "yesterday", "status": "visible", "body": "x"},'
        '{"id": 8, "created_at": "2026-01-02T03:04:05", "status": "visible", "body": "x"},'
        '{"id": 9, "created_at": "2026-01-02T03:04:05Z", "status": "odd", "body": "x"},'
        '{"id": 10, "created_at": "2026-01-02T03:04:05Z", "status": "visible"},'
        '{"id": 11, "created_at": "2026-01-02T03:04:05Z", "status": "deleted", "body": null}]}'
    )
    no_url = '{"id": 3, "title": "C", "comments": []}'
    path = write(tmp_path, HEAD + GOOD + "," + bad_comments + "," + no_url + ", 4]}")
    source = VecheExport.open(path)
    threads = list(source.threads())
    assert [t.story.external_id for t in threads] == ["1", "2"]
    assert [c.external_id for c in threads[1].comments] == ["11"]
    assert [(r.where, r.reason) for r in source.rejected] == [
        ("story 2, comment 7", "created_at is not an ISO 8601 time: 'yesterday'"),
        ("story 2, comment 8", "created_at has no time zone: '2026-01-02T03:04:05'"),
        ("story 2, comment 9", "its status 'odd' is not one veche knows"),
        ("story 2, comment 10", "its body is missing"),
        ("story 3", "its url is missing"),
        ("story #4", "not an object"),
    ]


def test_cli_export_then_import_on_a_fresh_file(
    cli: CliRunner, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_archive(world)
    path = tmp_path / "news.json"
    assert cli.invoke(main, ["export", "--site", "news", "--out", str(path)]).exit_code == 0
    monkeypatch.setenv("VECHE_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    r = cli.invoke(main, ["import", "veche", str(path)])  # into `default`, made for it
    assert r.exit_code == 0, r.output
    assert "/stories/1" in r.output
    again = cli.invoke(main, ["import", "veche", str(path)])
    assert again.exit_code == 0 and "/stories/1" in again.output
    bad = write(tmp_path, '{"format": "other"}')
    refused = cli.invoke(main, ["import", "veche", str(bad)])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert refused.output.strip() == (
        f"Error: {bad}: it is not a veche export (its format is not “veche-export”)"
    )
