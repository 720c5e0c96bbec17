"""Remark42 (importers/remark42.py): the parser on two backups in Remark42's JSON-lines
format (one plain, one gzipped as the daily backups are), then `veche import remark42` end
to end on both databases."""

from __future__ import annotations

import datetime as dt
import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import World
from tests.import_helpers import counts, parsed, run_import, written
from veche.importers.model import ImportedAuthor, ImportedStatus, Rejected
from veche.importers.remark42 import Remark42Source
from veche.importers.sources import SourceError

DATA = Path(__file__).parent / "data" / "importers" / "remark42"
COAST = DATA / "coast-remark42-backup.json"
PRAIRIE = DATA / "prairie-remark42-backup.json"
V, S, D = ImportedStatus.visible, ImportedStatus.spam, ImportedStatus.deleted
ASTANA = "https://news.example/2022/11/26/astana-protests/"
EAGLES = "https://news.example/2023/04/02/steppe-eagles/"
ABOUT = "https://news.example/about/"
EDITOR = "github_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"

# page URL -> comment id prefix -> (parent prefix, author id or None for a guest, name,
# time, status)
Expected = dict[str, dict[str, tuple[str | None, str | None, str | None, str, ImportedStatus]]]
COAST_THREADS: Expected = {
    ASTANA: {
        "4b6f0a2e": (None, "github_ef0a", "Sergey Latyshev", "2022-11-26T16:12:00.523891Z", V),
        "9d1e7c3b": ("4b6f0a2e", "email_7a1c", "Nadežda P.", "2022-11-26T22:31:09+06:00", V),
        "2a4c6e8f": ("9d1e7c3b", "github_a1b2", "Айгерим Сейтказы", "2022-11-26T17:05:40Z", V),
        "3b5d7f9a": (None, None, None, "2022-11-26T17:40:02Z", V),  # anonymous, no name
        "4c6e8a0b": ("3b5d7f9a", None, "Кайрат", "2022-11-26T18:00:00Z", V),
        "5d7f9b1c": (None, "google_5c1a", "cheap-watches-online", "2022-11-26T20:13:55Z", S),
        "6e8a0c2d": (None, "email_c3e5", "Cetron", "2022-11-27T02:05:12Z", D),
        "7f9b1d3e": ("6e8a0c2d", "twitter_d4f6", "李雷 🌸", "2022-11-27T02:10:00Z", V),
        "8a0c2e4f": (None, None, None, "2022-11-27T02:20:00Z", D),  # hard-deleted
        "9b1d3f5a": ("00000000", "github_e5a7", "Marat", "2022-11-27T02:43:20Z", V),
        "ac2e4a6b": ("bd3f5b7c", "email_f6b8", "Olzhas & family", "2022-11-27T03:00:00Z", V),
        "bd3f5b7c": (None, EDITOR[:11], "Gazette Editor", "2022-11-27T02:51:40Z", V),
    },
    EAGLES: {
        "1f3a5c7e": (None, "telegram_0d9c", "birdwatcher_kz", "2023-04-02T07:14:00Z", V),
        "2ca02c4d": (None, "telegram_0d9c", "birdwatcher_kz", "2023-04-03T09:00:00Z", V),
    },
    ABOUT: {
        "e06c8e0f": (None, "google_b8d0", "Dana", "2023-03-01T04:00:00Z", V),
        "f17d9f1a": ("e06c8e0f", EDITOR[:11], "Gazette Editor", "2023-03-01T05:20:00Z", V),
    },
}


# VmHWM, not ru_maxrss: the latter keeps the forking test process's own peak.
PROBE = (
    "import re, sys; from pathlib import Path;"
    "from veche.importers.remark42 import Remark42Source;"
    "n = sum(len(t.comments) for t in Remark42Source(Path(sys.argv[1])).threads());"
    "print(n, re.search(r'VmHWM:\\s*(\\d+)', Path('/proc/self/status').read_text())[1])"
)


def short(value: str | None) -> str | None:
    return value if value is None else value[: value.index("_") + 5 if "_" in value else 8]


def test_every_comment_with_its_parent_author_time_and_status() -> None:
    source = Remark42Source(COAST)
    threads = list(source.threads())
    # In the order each page's first comment appears, though the file interleaves them.
    assert [t.story.url for t in threads] == [ASTANA, EAGLES, ABOUT]
    for thread in threads:
        expected = COAST_THREADS[thread.story.url]
        got = {c.external_id[:8]: c for c in thread.comments}
        assert list(got) == list(expected), thread.story.url
        for cid, (parent, who, name, when, status) in expected.items():
            c = got[cid]
            assert (short(c.parent_external_id), c.status) == (parent, status), cid
            assert c.created_at == dt.datetime.fromisoformat(when).astimezone(dt.UTC), cid
            assert c.created_at.tzinfo is dt.UTC
            if who is None:
                assert (c.author, c.guest_name) == (None, name), cid
            else:
                assert c.author is not None and c.guest_name is None, cid
                assert (short(c.author.external_id), c.author.name) == (who, name), cid
    astana, eagles, about = threads
    assert (astana.story.title, astana.story.closed) == (
        "Protests in Astana — The Coast Gazette", False,
    )  # fmt: skip
    assert eagles.story.closed  # read_only in the backup's meta
    assert about.story.created_at == dt.datetime(2023, 3, 1, 4, tzinfo=dt.UTC)
    by_id = {c.external_id[:8]: c for c in astana.comments}
    assert by_id["9d1e7c3b"].body == (
        "> which turned out to be the actions of the poor\n\nNot only the poor — I saw students "
        'with "Жаңа Қазақстан" placards. [Video here](https://t.me/example/123)'
    )
    assert by_id["9d1e7c3b"].edited_at == dt.datetime(2022, 11, 26, 16, 35, 0, 250000, dt.UTC)
    assert by_id["2a4c6e8f"].body.endswith("civil & on topic <3")
    assert by_id["6e8a0c2d"].body == "" and by_id["8a0c2e4f"].body == ""
    assert [c.line for c in eagles.comments] == [4, 21]
    assert source.rejected == [
        Rejected("line 19", "not JSON: Invalid control character at: line 1 column 90 (char 89)"),
        Rejected("line 20", "a comment without its page's URL"),
        Rejected("line 15", "comment ce4a6c8d-0fb1-4cd3-e5a7-c9d1e3f5a714: bad time "
                 "'2022-11-31T25:61:00Z'"),
        Rejected("line 16", "comment df5b7d9e-1ac2-4de4-f6b8-d0e2f4a6b815: bad time "
                 "'0001-01-01T00:00:00Z'"),
    ]  # fmt: skip


@pytest.fixture
def prairie_gz(tmp_path: Path) -> Path:
    """The daily backup's shape: gzipped, named backup-SITE-DATE.gz."""
    path = tmp_path / "backup-prairie-20240115.gz"
    with PRAIRIE.open("rb") as raw, gzip.open(path, "wb") as out:
        shutil.copyfileobj(raw, out)
    return path


def test_a_gzipped_backup_migrated_from_disqus(prairie_gz: Path) -> None:
    source = Remark42Source(prairie_gz)
    harvest, contacts = source.threads()
    got = {c.external_id: c for c in harvest.comments}
    assert [(k[:10], (c.parent_external_id or "")[:10], c.status) for k, c in got.items()] == [
        ("disqus_441", "", V), ("disqus_441", "disqus_441", V),
        ("0b4ed2e1-9", "disqus_441", V),
        ("1c5fe3f2-a", "", S),  # its author is blocked
    ]  # fmt: skip
    seamus = got["0b4ed2e1-9f3c-4d5a-8e6f-7a8b9c0d1e2f"]
    assert seamus.author is not None and seamus.author.name == "Séamus O'Brien"  # unescaped
    # Nanoseconds and an offset, as Go writes them.
    assert seamus.created_at == dt.datetime(2019, 9, 1, 5, 15, 42, 123456, dt.UTC)
    assert seamus.body == "Пять лет спустя: в этом году антоновки **втрое** больше!"
    # The meta's read_only URL, HTML-escaped as Remark42 stores URLs, closes the page.
    assert contacts.story.url == "https://prairie.example/contacts?lang=ru&src=menu"
    assert contacts.story.closed and contacts.story.title == "Контакты"
    assert [(c.guest_name, c.author) for c in contacts.comments] == [("Митя", None)] * 2
    assert [(r.where, r.reason.split(":")[0]) for r in source.rejected] == [
        ("line 8", "not a JSON object"), ("line 10", "not JSON"),
        ("line 9", "a comment without an id"),
    ]  # fmt: skip


def test_odd_shapes_are_reported_or_read_never_raised(tmp_path: Path) -> None:
    """Hand-edited or foreign-tool records: wrong types where Remark42 writes objects."""
    url = '"locator":{"site":"s","url":"https://news.example/odd"}'
    lines = [
        '{"version":1,"users":[{"blocked":{"status":true}},"x"],"posts":[7,{"url":3}]}',
        '{"id":"a","pid":7,"text":"<p>numeric pid</p>","user":"nobody",' + url
        + ',"time":"2020-01-01T00:00:00Z","edit":"yes"}',
        '{"id":"b","pid":"a","text":["not","text"],"user":{"id":"github_1"},' + url
        + ',"time":"2020-01-01T00:01:00Z"}',
        '{"id":"c","pid":"a","text":"<p>no time</p>","user":{"id":"github_1"},' + url + "}",
        '{"id":"d","pid":"a","text":"<p>ok</p>","user":{"id":"github_1","name":7},' + url
        + ',"time":"2020-01-01T00:02:00Z","delete":"false"}',
    ]  # fmt: skip
    path = tmp_path / "odd.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = Remark42Source(path)
    [thread] = source.threads()
    assert [(c.external_id, c.parent_external_id, c.status, c.author) for c in thread.comments] == [
        ("a", None, V, None),  # a pid that is no id is no parent; a user that is no object
        ("d", "a", V, ImportedAuthor("github_1", "")),  # "false" is not true
    ]
    assert [(r.where, r.reason) for r in source.rejected] == [
        ("line 3", "comment b: empty text"),
        ("line 4", "comment c: bad time None"),
    ]


def test_refuses_a_file_that_is_no_backup(tmp_path: Path) -> None:
    for name, text in {
        "notes.txt": "Dear diary,\n",
        "array.json": "[1, 2, 3]\n",
        "future.json": '{"version":7,"users":[],"posts":[]}\n',
    }.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SourceError, match="Remark42 backup"):
            Remark42Source(path)


def test_memory_stays_bounded_on_a_long_backup(tmp_path: Path) -> None:
    """Comments are spooled to disk and read back a page at a time: a backup of 8,000
    comments, interleaved across 800 pages and each carrying 4 kB of votes as popular ones
    do, costs about what 800 comments do (the peak RSS of a fresh process; Linux)."""
    meta, first = COAST.read_text(encoding="utf-8").splitlines()[:2]
    votes = ",".join(f'"github_{i:040x}":true' for i in range(80))

    def peak_kib(n: int) -> int:
        path = tmp_path / f"backup-{n}.json"
        with path.open("w", encoding="utf-8") as f:
            f.write(meta + "\n")
            for i in range(n):
                line = first.replace("4b6f0a2e-52d7", f"{i:08x}-52d7").replace(
                    "astana-protests/", f"page-{i % (n // 10)}/"
                )
                f.write(line.replace('"votes":{', '"votes":{' + votes + ",") + "\n")
        assert path.stat().st_size > n * 4000
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert out[0] == str(n)
        return int(out[1])

    small, large = peak_kib(800), peak_kib(8000)
    assert large - small < 12_000, (small, large)  # the file grew by 32 MB


def test_cli_imports_both_backups_idempotently(
    cli: CliRunner, world: World, prairie_gz: Path
) -> None:
    rt = world.rt
    before = counts(rt)
    first = run_import(cli, "remark42", str(COAST), "--site", "news")
    assert first.exit_code == 0, first.output
    assert re.search(r"threads\s*│\s*3\s*│\s*0\s*│\s*0", first.output), first.output
    assert re.search(r"comments\s*│\s*15\s*│\s*0\s*│\s*0", first.output), first.output
    assert "skipped line 19: not JSON" in first.output
    assert "skipped line 12: its parent 00000000-dead-4bee-f000-000000000000 is not" in (
        first.output.replace("\n", " ")
    )
    expected = parsed(Remark42Source(COAST))
    marat = next(k for k in expected if k[1].startswith("9b1d3f5a"))
    del expected[marat]  # its parent is not in the backup
    assert written(rt, "remark42") == expected
    after = counts(rt)
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (3, 15, 10)
    again = run_import(cli, "remark42", str(COAST), "--site", "news")
    assert again.exit_code == 0, again.output
    assert re.search(r"comments\s*│\s*0\s*│\s*0\s*│\s*15", again.output), again.output
    assert counts(rt) == after and written(rt, "remark42") == expected
    gz = run_import(cli, "remark42", str(prairie_gz), "--site", "news")
    assert gz.exit_code == 0, gz.output
    # The reply posted under another page's comment cannot be placed here.
    assert re.search(r"comments\s*│\s*5\s*│\s*0\s*│\s*0", gz.output), gz.output


def test_cli_strict_fails_on_the_first_bad_record(cli: CliRunner, world: World) -> None:
    before = counts(world.rt)
    r = run_import(cli, "remark42", str(COAST), "--site", "news", "--strict")
    assert r.exit_code == 1
    assert "line 19: not JSON" in r.output and "--strict: nothing was written" in r.output
    assert counts(world.rt) == before
    other = run_import(cli, "remark42", str(Path(__file__)), "--site", "news")
    assert other.exit_code == 1 and "not a Remark42 backup" in other.output
