"""Isso (importers/isso.py): the parser on databases built with Isso's own schema (version 5,
and an older version 3), then `veche import isso` end to end on both databases."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import isso_sample
from tests.conftest import World
from tests.import_helpers import counts, parsed, run_import, written
from veche.importers.isso import IssoSource
from veche.importers.model import ImportedStatus, Rejected
from veche.importers.parsing import email_key
from veche.importers.sources import SourceError

V, P, D = ImportedStatus.visible, ImportedStatus.pending, ImportedStatus.deleted
BASE = "https://news.example"
ASTANA = "/2022/11/26/astana-protests/"

# thread URI -> comment id -> (parent, e-mail or None for a guest, name, epoch, status)
Expected = dict[str, dict[str, tuple[str | None, str | None, str | None, float, ImportedStatus]]]
COAST: Expected = {
    ASTANA: {
        "1": (None, "serge.l@mail.example", "Sergey Latyshev", 1669479120.523891, V),
        "2": ("1", "nadezda.p@mail.example", "Nadežda P.", 1669480269.0, V),
        "3": ("1", "aigerim@news.example", "Айгерим", 1669482340.7, V),  # flattened by Isso
        "4": (None, None, None, 1669484402.1, V),
        "5": ("4", "cetron@mail.example", "Cetron", 1669514490.0, P),
        "6": (None, None, None, 1669514712.0, D),  # deleted: Isso cleared its author
        "7": ("6", None, "李雷 🌸", 1669515000.0, V),
        "8": ("42", "marat@mail.example", "Marat", 1669517000.0, V),
        "9": ("10", "olzhas@mail.example", "Olzhas & family", 1669518000.0, V),
        "10": (None, "editor@news.example", "Gazette Editor", 1669517500.0, V),
    },
    "/2023/04/02/steppe-eagles/": {
        "13": (None, None, "birdwatcher_kz", 1680415440.0, V),
    },
    "/about/?ref=footer": {
        "14": (None, "dana@mail.example", "Dana", 1677643200.0, V),
        "15": ("14", "editor@news.example", "Gazette Editor", 1677648000.0, V),
    },
}


@pytest.fixture
def coast(tmp_path: Path) -> Path:
    return isso_sample.coast(tmp_path)


@pytest.fixture
def prairie(tmp_path: Path) -> Path:
    return isso_sample.prairie(tmp_path)


def when(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def test_every_comment_with_its_parent_author_time_and_status(coast: Path) -> None:
    source = IssoSource(coast, f"{BASE}/")
    threads = list(source.threads())
    assert [t.story.external_id for t in threads] == list(COAST)
    for thread in threads:
        expected = COAST[thread.story.external_id]
        got = {c.external_id: c for c in thread.comments}
        assert list(got) == list(expected)
        for cid, (parent, email, name, epoch, status) in expected.items():
            c = got[cid]
            assert (c.parent_external_id, c.created_at, c.status) == (parent, when(epoch), status)
            if email is None:
                assert (c.author, c.guest_name) == (None, name), cid
            else:
                assert c.author is not None and (c.author.external_id, c.author.name) == (
                    email_key(email), name,
                ), cid  # fmt: skip
    astana, eagles, about = threads
    assert astana.story.url == f"{BASE}{ASTANA}"
    assert astana.story.title == "Protests in Astana — The Coast Gazette"
    assert astana.story.created_at == when(1669479120.523891)  # its first comment
    assert eagles.story.title == f"{BASE}/2023/04/02/steppe-eagles/"  # Isso had no title
    assert about.story.url == f"{BASE}/about/?ref=footer"
    by_id = {c.external_id: c for c in astana.comments}
    nadezda = by_id["2"]
    assert nadezda.edited_at == when(1669480500.25)
    assert nadezda.author is not None and nadezda.author.url == "https://nadezda.example/blog"
    # Isso stores what the reader typed: markdown, kept as it is.
    assert nadezda.body.endswith(
        "with *Жаңа Қазақстан* placards. [Video](https://t.me/example/123)"
    )
    assert by_id["3"].body == "@Nadežda thank you & please keep it civil <3"
    assert by_id["6"].body == ""
    assert source.rejected == [
        Rejected("comment 17", "thread 9 is missing"),
        Rejected("comment 11 (thread 1)", "bad created time 'yesterday'"),
        Rejected("comment 12 (thread 1)", "unknown mode 3"),
        Rejected("comment 16 (thread 3)", "an empty comment"),
    ]


def test_an_older_version_3_database(prairie: Path) -> None:
    source = IssoSource(prairie, "https://prairie.example")
    harvest, contacts = source.threads()
    assert harvest.story.url == "https://prairie.example/2014/08/harvest/"  # absolute URI
    assert contacts.story.url == "https://prairie.example/contacts"
    got = {c.external_id: c for c in harvest.comments}
    assert {k: (c.parent_external_id, c.status, c.guest_name) for k, c in got.items()} == {
        "1": (None, V, None), "2": ("1", V, None), "3": ("1", V, None),
        "4": (None, D, None),  # text NULL: a version 3 deletion
        "5": ("4", V, None),  # no name, no e-mail: an anonymous guest
    }  # fmt: skip
    assert got["3"].body == "**Спасибо!**" and got["4"].body == ""
    [pending] = contacts.comments
    assert (pending.status, pending.author, pending.guest_name) == (P, None, "Митя")
    assert source.rejected == []


def test_refuses_what_it_cannot_read(tmp_path: Path, coast: Path) -> None:
    with pytest.raises(SourceError, match="give the site's address with --url"):
        IssoSource(coast, None)
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, just text " * 200)
    with pytest.raises(SourceError, match="not an SQLite database"):
        IssoSource(text, BASE)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE posts (id INTEGER)").connection.close()
    with pytest.raises(SourceError, match="no Isso `threads` and `comments` tables"):
        IssoSource(other, BASE)


def test_cli_imports_idempotently_and_leaves_the_database_alone(
    cli: CliRunner, world: World, coast: Path
) -> None:
    rt = world.rt
    digest = hashlib.sha256(coast.read_bytes()).hexdigest()
    before = counts(rt)
    first = run_import(cli, "isso", str(coast), "--site", "news", "--url", BASE)
    assert first.exit_code == 0, first.output
    assert re.search(r"threads\s*│\s*3\s*│\s*0\s*│\s*0", first.output), first.output
    assert re.search(r"comments\s*│\s*12\s*│\s*0\s*│\s*0", first.output), first.output
    assert "skipped comment 17: thread 9 is missing" in first.output
    assert "skipped comment 11 (thread 1): bad created time 'yesterday'" in first.output
    assert "skipped comment 8: its parent 42 is not in the source" in first.output
    expected = parsed(IssoSource(coast, BASE))
    del expected[ASTANA, "8"]
    assert written(rt, "isso") == expected
    after = counts(rt)
    # Seven people by e-mail; the anonymous, the unnamed and the e-mail-less are guests.
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (3, 12, 7)
    again = run_import(cli, "isso", str(coast), "--site", "news", "--url", BASE)
    assert again.exit_code == 0, again.output
    assert re.search(r"comments\s*│\s*0\s*│\s*0\s*│\s*12", again.output), again.output
    assert counts(rt) == after and written(rt, "isso") == expected
    assert hashlib.sha256(coast.read_bytes()).hexdigest() == digest
    assert not coast.with_name(coast.name + "-journal").exists()


def test_cli_strict_and_a_missing_url(cli: CliRunner, world: World, coast: Path) -> None:
    before = counts(world.rt)
    strict = run_import(cli, "isso", str(coast), "--site", "news", "--url", BASE, "--strict")
    assert strict.exit_code == 1
    assert "comment 17: thread 9 is missing (--strict: nothing was written)" in strict.output
    bare = run_import(cli, "isso", str(coast), "--site", "news")
    assert bare.exit_code == 1 and "give the site's address with --url" in bare.output
    assert counts(world.rt) == before
