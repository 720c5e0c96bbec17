"""Story titles without the site's name: the rule (domain/titles.py) and the one place it
is applied (service/titles.py) by the embed's first load, a signed title, a story made by
the API and an import."""

from __future__ import annotations

import dataclasses

from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.conftest import SEED
from veche.cli.main import main
from veche.domain.titles import SEPARATORS, name_key, split_suffix, without_suffix
from veche.importers.page_text import parse_page_text
from veche.importers.page_text_source import import_page
from veche.security import signing
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories
from veche.store.models import Story

COAST = "https://coast.example"
GAZETTE = "The Coast Gazette"


def test_the_rule() -> None:
    assert split_suffix(f"Storm cuts the coast road — {GAZETTE}") == (
        "Storm cuts the coast road",
        " — ",
        GAZETTE,
    )
    assert len(SEPARATORS) == 7 and " | " in SEPARATORS
    assert name_key(GAZETTE) == name_key("coast-gazette") == name_key("CoastGazette")
    names = ["coast-gazette", None]
    for sep in SEPARATORS:
        assert without_suffix(f"Storm cuts the coast road{sep}{GAZETTE}", names) == (
            "Storm cuts the coast road"
        )
    kept = [
        "Port-to-port ferry returns",  # a dash inside a word
        "Budget 2026\u201327: what changes",  # an en dash without spaces
        "Storm — live updates",  # a tail that is not the site's name
        "Coast Gazette",  # nothing before it
        f"— {GAZETTE}",
    ]
    for title in kept:
        assert without_suffix(title, names) == title
    # Only the last part comes off; the middle stays.
    assert without_suffix(f"Mayor resigns - again | Politics | {GAZETTE}", names) == (
        "Mayor resigns - again | Politics"
    )


def _site(rt: Runtime, name: str = "cg", origin: str = COAST) -> Stories:
    stories = Stories(rt)
    stories.create_site(name, SiteSettings(allowed_origins=[origin]))
    return stories


def test_site_name_comes_off_the_first_story(rt: Runtime) -> None:
    stories = _site(rt, "coast-gazette")
    story = stories.by_url(f"{COAST}/storm", title=f"Storm cuts the coast road — {GAZETTE}")
    assert story.title == "Storm cuts the coast road"
    assert not story.title_confirmed


def test_a_suffix_repeated_across_the_site_is_learned(rt: Runtime) -> None:
    stories = _site(rt)
    first = stories.by_url(f"{COAST}/storm", title=f"Storm cuts the coast road — {GAZETTE}")
    assert first.title == f"Storm cuts the coast road — {GAZETTE}"  # one is no evidence
    seq = first.event_seq
    # Another site's stories with the same ending teach this one nothing.
    other = _site(rt, "valley", "https://valley.example")
    assert (
        other.by_url("https://valley.example/fair", title=f"Fair opens — {GAZETTE}").title
        == f"Fair opens — {GAZETTE}"
    )
    second = stories.by_url(f"{COAST}/ferry", title=f"Ferry returns - north shore — {GAZETTE}")
    assert second.title == "Ferry returns - north shore"
    assert stories.site("cg").title_suffix == GAZETTE
    again = stories.get(first.id)
    assert again.title == "Storm cuts the coast road"  # the earlier one too, and its pages
    assert again.event_seq == seq + 1  # are told
    assert stories.by_url(f"{COAST}/fair", title=f"Fair opens | {GAZETTE}").title == "Fair opens"
    # A dash in the middle, or an ending that is not the site's, stays.
    assert stories.by_url(f"{COAST}/vote", title="Council votes - again").title == (
        "Council votes - again"
    )
    assert stories.by_url(f"{COAST}/live", title="Storm — live").title == "Storm — live"
    assert stories.by_url(f"{COAST}/live2", title="Flood — live").title == "Flood — live"
    assert stories.get(stories.by_url(f"{COAST}/live").id).title == "Storm — live"
    assert stories.site("valley").title_suffix is None


def test_stories_created_and_imported(rt: Runtime) -> None:
    stories = _site(rt, "news")
    made = stories.create("news", f"{COAST}/made", "Harbour reopens :: News")
    assert made.title == "Harbour reopens"
    page = dataclasses.replace(
        parse_page_text(SEED.read_text(encoding="utf-8")), title="Protests in Astana — News"
    )
    imported = import_page(rt, page, site_name="news", url=f"{COAST}/astana")
    assert imported.title == "Protests in Astana"


def test_the_embed_and_a_signed_title(client: TestClient, rt: Runtime) -> None:
    _site(rt, "coast-gazette")
    page = f"{COAST}/storm"
    title = f"Storm cuts the coast road — {GAZETTE}"
    made = client.post(
        "/api/v1/threads", json={"url": page, "title": title}, headers={"Origin": COAST}
    )
    assert made.status_code == 201, made.text
    assert (made.json()["title"], made.json()["title_confirmed"]) == (
        "Storm cuts the coast road",
        False,
    )
    key = signing.site_key(rt.secret, "coast-gazette")
    signed = {
        "url": page,
        "title": title,
        "title_signature": signing.title_signature(key, page, title),
    }
    confirmed = client.post("/api/v1/threads", json=signed, headers={"Origin": COAST})
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["title"], confirmed.json()["title_confirmed"]) == (
        "Storm cuts the coast road",
        True,
    )
    with rt.db.session(write=False) as s:
        story = s.get(Story, made.json()["id"])
        assert story is not None
        seq = story.event_seq
    # The same signed title again changes nothing.
    assert client.post("/api/v1/threads", json=signed, headers={"Origin": COAST}).status_code == 200
    with rt.db.session(write=False) as s:
        story = s.get(Story, made.json()["id"])
        assert story is not None and story.event_seq == seq


def test_the_suffix_set_by_cli(cli: CliRunner, rt: Runtime) -> None:
    r = cli.invoke(main, ["site", "create", "cg", "--origin", COAST, "--title-suffix", GAZETTE])
    assert r.exit_code == 0, r.output
    assert f"  title suffix: {GAZETTE}" in r.output.splitlines()
    stories = Stories(rt)
    assert stories.by_url(f"{COAST}/a", title=f"Storm — {GAZETTE}").title == "Storm"
    r = cli.invoke(main, ["site", "update", "cg", "--title-suffix", ""])
    assert r.exit_code == 0 and "title suffix" not in r.output, r.output
    assert stories.site("cg").title_suffix is None
    too_long = cli.invoke(main, ["site", "update", "cg", "--title-suffix", "x" * 121])
    assert too_long.exit_code == 1
    assert too_long.output == "Error: A title suffix is at most 120 characters.\n"
