"""WordPress WXR (importers/wordpress.py): the parser on two real-format exports (WXR 1.2 and
an older 1.1 with CRLF lines), then `veche import wordpress` end to end on both databases."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.import_helpers import counts, parsed, run_import, written
from veche.importers.model import ImportedStatus, Rejected
from veche.importers.parsing import autop, email_key, html_to_markdown
from veche.importers.sources import SourceError
from veche.importers.wordpress import WordPressSource
from veche.store.models import Story

DATA = Path(__file__).parent / "data" / "importers" / "wordpress"
COAST = DATA / "coast-gazette.wxr.xml"
PRAIRIE = DATA / "prairie-notes-wxr-1.1.xml"
V, P, S, D = (ImportedStatus.visible, ImportedStatus.pending, ImportedStatus.spam,
              ImportedStatus.deleted)  # fmt: skip

# comment id: (parent, author: "user:N" or an e-mail or None for a guest, name, GMT, status)
Expected = dict[str, tuple[str | None, str | None, str | None, str, ImportedStatus]]
COAST_412: Expected = {
    "1031": (None, "serge.l@mail.example", "Sergey Latyshev", "2022-11-26 16:12:00", V),
    "1032": ("1031", "nadezda.p@mail.example", "Nadežda P.", "2022-11-26 16:31:09", V),
    "1033": ("1032", "user:3", "Айгерим Сейтказы", "2022-11-26 17:05:40", V),
    "1034": (None, None, None, "2022-11-26 17:40:02", V),
    "1035": (None, "sales@watches.example", "cheap-watches-online", "2022-11-26 20:13:55", S),
    "1036": ("1034", "cetron@mail.example", "Cetron", "2022-11-27 02:01:30", P),
    "1037": (None, "cetron@mail.example", "Cetron", "2022-11-27 02:05:12", D),
    "1040": ("1039", "lilei@mail.example", "李雷 🌸", "2022-11-27 06:30:00", V),
    "1043": ("1044", "olzhas@mail.example", "Olzhas & family", "2022-11-27 07:10:00", V),
    "1044": (None, "user:1", "Gazette Editor", "2022-11-27 06:55:00", V),
    "1045": (None, "ermek@mail.example", "Ermek", "2022-11-27 08:00:00", V),
}
COAST_530: Expected = {
    "1101": (None, "bw@mail.example", "birdwatcher_kz", "2023-04-02 07:14:00", V)
}
COAST_2: Expected = {
    "1201": (None, "dana@mail.example", "Dana", "2023-03-01 04:00:00", V),
    "1202": ("1201", "user:1", "Gazette Editor", "2023-03-01 05:20:00", V),
}


def gmt(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)


def test_coast_gazette_every_comment_with_its_parent_author_time_and_status() -> None:
    source = WordPressSource(COAST)
    threads = list(source.threads())
    # The attachment and the comment-less draft are no discussions.
    assert [t.story.external_id for t in threads] == ["412", "530", "2"]
    for thread, expected in zip(threads, (COAST_412, COAST_530, COAST_2), strict=True):
        got = {c.external_id: c for c in thread.comments}
        assert list(got) == list(expected), thread.story.external_id
        for cid, (parent, who, name, when, status) in expected.items():
            c = got[cid]
            assert (c.parent_external_id, c.created_at, c.status) == (parent, gmt(when), status)
            if who is None:
                assert (c.author, c.guest_name) == (None, name), cid
            else:
                assert c.author is not None and c.guest_name is None, cid
                key = who if who.startswith("user:") else email_key(who)
                assert (c.author.external_id, c.author.name) == (key, name), cid
            assert c.line is not None and c.line > 100, cid
    assert source.rejected == [
        Rejected("comment 1038 (line 255)", "a pingback, not a reader's comment"),
        Rejected("comment 1041 (line 283)", "bad comment_date_gmt '0000-00-00 00:00:00'"),
    ]


def test_coast_gazette_stories_bodies_and_people() -> None:
    astana, eagles, about = WordPressSource(COAST).threads()
    story = astana.story
    assert story.url == "https://news.example/2022/11/26/astana-protests/"
    assert story.created_at == gmt("2022-11-26 15:40:00") and not story.closed
    assert eagles.story.closed and about.story.title == "About us"
    # content:encoded as markdown: paragraphs, entities decoded, block comments and the
    # image gone, its caption kept.
    assert story.body is not None
    assert story.body.startswith("Kazakhstan is restless again. On November 26,")
    assert "police forces had been pulled into the city & that protesters" in story.body
    assert "> Internet failures in the capital of Kazakhstan occurred" in story.body
    assert "wp:paragraph" not in story.body and "astana.jpg" not in story.body
    assert story.body.count("Police on Kenesary street") == 1
    c = {c.external_id: c for c in astana.comments}
    # Line breaks are WordPress's paragraphs and <br>s; HTML becomes markdown.
    assert c["1031"].body == (
        "in January of this year, Kazakhstan had already experienced an outbreak of protests."
        "\n\nwhich turned out to be the actions of the poor, clans and local crime  \n"
        "Although the media promoted as NATO aggression.  \nAnd here again."
    )
    assert c["1032"].body == (
        "> which turned out to be the actions of the poor\n\nNot only the poor — I saw "
        'students with "Жаңа Қазақстан" placards. [Video here](https://t.me/example/123).'
    )
    # A CDATA section split around "]]>" by the exporter reads as one text.
    assert c["1040"].body.endswith("`if (a[i]]>0) {}`")
    # A vertical tab pasted from Word is dropped instead of ending the parse.
    assert c["1045"].body == 'Pasted from Word: the "hypocritical West" again?'
    member = c["1033"].author
    assert member is not None and (member.handle, member.email, member.url) == (
        "aigerim.s", "aigerim@news.example", "https://news.example/author/aigerim-s/",
    )  # fmt: skip
    assert c["1031"].author is not None and c["1031"].author.url is None


def test_prairie_notes_wxr_1_1_with_crlf_lines() -> None:
    source = WordPressSource(PRAIRIE)
    harvest, contacts = source.threads()
    assert harvest.story.title == "Осенний урожай — фото"  # &#8212; in a plain title
    assert (
        harvest.story.body == "Собрали **три тонны** яблок.\n\nВ этом году — больше, чем в прошлом."
    )
    assert contacts.story.closed and contacts.comments == []
    got = {c.external_id: c for c in harvest.comments}
    assert {k: (c.parent_external_id, c.status) for k, c in got.items()} == {
        "5": (None, V), "6": ("5", V), "7": ("6", V), "9": (None, V),
    }  # fmt: skip
    assert got["6"].author is not None and got["6"].author.handle == "olga"
    assert got["6"].body == "Антоновка и белый налив.  \nАпорт тоже не очень."
    hostile = got["9"]
    assert hostile.author is not None and hostile.author.url is None  # javascript: dropped
    assert hostile.author.name == '<script>alert("x")</script>'  # a name, escaped on display
    assert hostile.body == "Nice apples"  # a javascript: link leaves its words
    # The product's review is no discussion; the trackback, the blank and the unknown state
    # are reported.
    assert [(r.where.split(" (")[0], r.reason) for r in source.rejected] == [
        ("comment 8", "a trackback, not a reader's comment"),
        ("comment 10", "an empty comment"),
        ("comment 11", "unknown comment_approved 'approved'"),
    ]


@pytest.mark.parametrize(
    ("stored", "markdown"),
    [
        ("line one\nline two\n\npara 2", "line one  \nline two\n\npara 2"),
        (
            "<blockquote>quoted\n\nsecond</blockquote>\nAnd my reply\nwith a break",
            "> quoted\n>\n> second\n\nAnd my reply  \nwith a break",
        ),
        ("<ul>\n<li>a</li>\n<li>b</li>\n</ul>\nafter", "- a\n- b\n\nafter"),
        ('<p class="x">Already</p>\n<p>tagged</p>', "Already\n\ntagged"),
        ("<pre>a = 1\n\nb = 2</pre>", "```\na = 1\n\nb = 2\n```"),
        ("5 &lt; 6 &amp;&amp; *not emphasis*", "5 < 6 && \\*not emphasis\\*"),
    ],
)
def test_wordpress_text_becomes_markdown(stored: str, markdown: str) -> None:
    """WordPress keeps what was typed (its wpautop adds the tags on display): blank lines
    are paragraphs, single breaks <br>s, around and inside the tags the writer used."""
    assert html_to_markdown(autop(stored)) == markdown


def test_only_published_posts_become_stories(tmp_path: Path) -> None:
    """A post in the trash keeps its comments in the export; they are reported, not shown."""
    text = COAST.read_text(encoding="utf-8")
    trashed = tmp_path / "trashed.xml"
    trashed.write_text(
        text.replace(
            "<wp:status><![CDATA[publish]]></wp:status>",
            "<wp:status><![CDATA[trash]]></wp:status>", 1,
        ),
        encoding="utf-8",
    )  # fmt: skip
    source = WordPressSource(trashed)
    assert [t.story.external_id for t in source.threads()] == ["530", "2"]
    assert source.rejected[0] == Rejected(
        "post 412 (line 94)", "a trash post: its 13 comment(s) skipped"
    )


def test_not_a_wordpress_export_and_a_broken_one(tmp_path: Path) -> None:
    other = tmp_path / "disqus.xml"
    other.write_text('<?xml version="1.0"?><disqus xmlns="http://disqus.com"></disqus>')
    with pytest.raises(SourceError, match="not a WordPress export"):
        WordPressSource(other)
    text = COAST.read_text(encoding="utf-8")
    cut = text.index("<title><![CDATA[Steppe eagles")
    broken = tmp_path / "broken.xml"
    broken.write_text(text[:cut] + "<title>Unclosed & broken</item>", encoding="utf-8")
    source = WordPressSource(broken)
    threads = source.threads()
    assert next(threads).story.external_id == "412"  # what came before is read
    with pytest.raises(SourceError, match=r"^line 3\d\d: not well-formed XML"):
        next(threads)


def test_memory_stays_bounded_on_a_long_export(tmp_path: Path) -> None:
    """Items are freed once read: 1,000 posts, each with 40 kB of page-builder postmeta as
    real exports carry, cost about what 100 do (the peak RSS of a fresh process, which counts
    libxml2's tree too; Linux)."""
    text = COAST.read_text(encoding="utf-8")
    start = text.index("\t\t\t\t\t<item>\n\t\t<title><![CDATA[Steppe")
    end = text.index("</item>", start)
    head, item, tail = text[:start], text[start:end], text[end:]
    meta = "<wp:postmeta><wp:meta_key>_builder_data</wp:meta_key><wp:meta_value><![CDATA[%s]]>"
    item += meta % ("[section]" * 4500) + "</wp:meta_value></wp:postmeta>\n"
    tail = tail.replace("</item>", "", 1)
    # VmHWM, not ru_maxrss: the latter keeps the forking test process's own peak.
    probe = (
        "import re, sys; from pathlib import Path;"
        "from veche.importers.wordpress import WordPressSource;"
        "n = sum(1 for _ in WordPressSource(Path(sys.argv[1])).threads());"
        "print(n, re.search(r'VmHWM:\\s*(\\d+)', Path('/proc/self/status').read_text())[1])"
    )

    def peak_kib(n: int) -> int:
        path = tmp_path / f"long-{n}.xml"
        with path.open("w", encoding="utf-8") as f:
            f.write(head)
            for i in range(n):
                f.write(item.replace("<wp:post_id>530<", f"<wp:post_id>{10000 + i}<") + "</item>")
            f.write(tail)
        assert path.stat().st_size > n * 40_000
        out = subprocess.run(
            [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert int(out[0]) == n + 2  # the posts, the first story and the About page
        return int(out[1])

    small, large = peak_kib(100), peak_kib(1000)
    assert large - small < 16_000, (small, large)  # the file grew by 36 MB


def test_cli_imports_both_exports_idempotently(cli: CliRunner, world: World) -> None:
    rt = world.rt
    before = counts(rt)
    first = run_import(cli, "wordpress", str(COAST), "--site", "news")
    assert first.exit_code == 0, first.output
    assert re.search(r"threads\s*│\s*3\s*│\s*0\s*│\s*0", first.output), first.output
    assert re.search(r"comments\s*│\s*13\s*│\s*0\s*│\s*0", first.output), first.output
    assert "skipped comment 1038 (line 255): a pingback, not a reader's comment" in first.output
    assert "skipped comment 1041 (line 283): bad comment_date_gmt" in first.output
    assert "skipped line 269: its parent 1039 is not in the source" in first.output
    expected = parsed(WordPressSource(COAST))
    del expected["412", "1040"]  # its parent is not in the export
    assert written(rt, "wordpress") == expected
    after = counts(rt)
    # 10 people: 9 by e-mail or account, and the editor's two comments are one account.
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (3, 13, 10)
    again = run_import(cli, "wordpress", str(COAST), "--site", "news")
    assert again.exit_code == 0, again.output
    assert re.search(r"comments\s*│\s*0\s*│\s*0\s*│\s*13", again.output), again.output
    assert counts(rt) == after and written(rt, "wordpress") == expected
    with rt.db.session(write=False) as s:
        story = s.query(Story).filter_by(url="https://news.example/2022/11/26/astana-protests/")
        body = story.one().body_text
    assert body is not None and "Internet failures in the capital of Kazakhstan" in body
    second = run_import(cli, "wordpress", str(PRAIRIE), "--site", "news")
    assert second.exit_code == 0, second.output
    assert re.search(r"comments\s*│\s*4\s*│\s*0\s*│\s*0", second.output), second.output


def test_cli_strict_fails_on_the_first_bad_record(cli: CliRunner, world: World) -> None:
    before = counts(world.rt)
    r = run_import(cli, "wordpress", str(COAST), "--site", "news", "--strict")
    assert r.exit_code == 1
    assert "comment 1038 (line 255): a pingback, not a reader's comment" in r.output
    assert "--strict: nothing was written" in r.output
    assert counts(world.rt) == before
    other = run_import(cli, "wordpress", str(Path(__file__)), "--site", "news")
    assert other.exit_code == 1 and "not a WordPress export" in other.output


def test_a_hostile_comment_renders_inert(cli: CliRunner, world: World, client: TestClient) -> None:
    r = run_import(cli, "wordpress", str(PRAIRIE), "--site", "news")
    assert r.exit_code == 0, r.output
    with world.rt.db.session(write=False) as s:
        story = s.query(Story).filter_by(url="http://prairie.example/2014/08/harvest/").one()
    page = client.get(f"/stories/{story.id}")
    assert page.status_code == 200
    html = page.text
    assert "Nice" in html and "apples" in html and "Антоновка и белый налив." in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    )
    assert "javascript:" not in html and "onerror" not in html and "onclick" not in html
    assert '<script>alert("x")' not in html
