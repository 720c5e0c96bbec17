"""The article's text from the embed (domain/article.py, Stories.take_article): taken as
titles are, checked against by quotes of the article, never published."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ORIGIN, World, bearer, error
from veche.domain import article
from veche.domain.errors import InvalidInput
from veche.security.signing import site_key, title_signature
from veche.service.stories import Stories

TEXT = (
    "The council opened the sports hall as a warming centre for families.\n\n"
    "Power returned to most streets late on Monday evening."
)
HEADERS = {"Origin": ORIGIN}


def test_normalise_and_digest() -> None:
    raw = "  First line.  \r\n\r\n\r\n\r\nSecond\u00a0line.\t\x00\x07\ud800\n\n"
    assert article.normalise(raw) == "First line.\n\nSecond\u00a0line."
    assert article.normalise(article.normalise(raw)) == article.normalise(raw)
    assert article.digest("") == "" and article.digest(None) == ""
    # FNV-1a 32 of UTF-8, as embed-fit.js computes it: known vectors.
    assert article.digest("a") == "e40c292c"
    assert article.digest("foobar") == "bf9cf968"
    assert re.fullmatch(r"[0-9a-f]{8}", article.digest("Ақпан — февраль"))
    with pytest.raises(InvalidInput):
        article.normalise("x" * (article.TEXT_MAX + 1))


def opened(client: TestClient, url: str, **body: Any) -> Any:
    r = client.post("/api/v1/threads", json={"url": url, "title": "Storm", **body}, headers=HEADERS)
    assert r.status_code in (200, 201), r.text
    return r.json()


def quote(client: TestClient, token: str, story_id: int, text: str) -> str:
    r = client.post(
        f"/api/v1/stories/{story_id}/comments",
        json={"body": "Indeed.", "quote": {"source": "story", "text": text}},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["quote"]["state"])


def test_first_opening_takes_the_text_and_quotes_are_verified(
    client: TestClient, world: World
) -> None:
    _u, ann = world.user("ann")
    url = f"{ORIGIN}/2026/warming"
    made = opened(client, url, article_text="  " + TEXT.replace("\n\n", "\r\n\r\n\r\n") + "  ")
    story = Stories(world.rt).get(made["id"])
    assert story.body_text == TEXT
    assert story.body_html is None and story.body_src is None  # not hosted, not shown
    assert quote(client, ann, made["id"], "Power returned to most streets") == "verified"
    assert quote(client, ann, made["id"], "Power returned to every street") == "altered"
    # The hosted index does not list it; the discussion names the text's digest.
    assert url not in client.get("/").text
    page = client.get("/fragments/thread", params={"url": url}, headers=HEADERS).text
    assert f'data-article="{article.digest(TEXT)}"' in page


def test_a_later_unsigned_page_does_not_replace_the_text(client: TestClient, world: World) -> None:
    url = f"{ORIGIN}/2026/rumour"
    made = opened(client, url, article_text=TEXT)
    again = opened(client, url, article_text="The mayor resigned this morning, aides say.")
    assert again["id"] == made["id"]
    assert Stories(world.rt).get(made["id"]).body_text == TEXT


def test_a_story_without_text_takes_the_first_page_that_sends_one(
    client: TestClient, world: World
) -> None:
    url = f"{ORIGIN}/2026/older"
    made = opened(client, url)  # before the publisher named the article
    page = client.get("/fragments/thread", params={"url": url}, headers=HEADERS).text
    assert 'data-article=""' in page
    opened(client, url, article_text=TEXT)
    assert Stories(world.rt).get(made["id"]).body_text == TEXT


def test_a_signed_page_replaces_the_text_and_quotes_are_checked_again(
    client: TestClient, world: World
) -> None:
    _u, ann = world.user("ann")
    url, title = f"{ORIGIN}/2026/corrected", "Storm"
    made = opened(client, url, article_text=TEXT)
    assert quote(client, ann, made["id"], "Power returned to most streets") == "verified"
    key = site_key(world.rt.secret, "news")
    corrected = TEXT.replace("most streets", "half the streets")
    opened(client, url, article_text=corrected, title_signature=title_signature(key, url, title))
    story = Stories(world.rt).get(made["id"])
    assert story.body_text == corrected
    comments = client.get(f"/api/v1/stories/{made['id']}/comments").json()["comments"]
    assert comments[0]["quote"]["state"] == "source_edited"


def test_a_hosted_story_keeps_its_body(client: TestClient, world: World) -> None:
    before = Stories(world.rt).get(world.story.id).body_text
    key = site_key(world.rt.secret, "news")
    sig = title_signature(key, world.story.url, "Storm")
    opened(client, world.story.url, article_text="Something else entirely.", title_signature=sig)
    assert Stories(world.rt).get(world.story.id).body_text == before
    page = client.get(f"/stories/{world.story.id}").text
    assert 'data-article="hosted"' in page


def test_article_text_is_bounded(client: TestClient, world: World) -> None:
    big = {"url": f"{ORIGIN}/2026/big", "title": "Big", "article_text": "x" * 100_001}
    error(client.post("/api/v1/threads", json=big, headers=HEADERS), 422, "invalid_input")
    nul = {"url": f"{ORIGIN}/2026/nul", "title": "Nul", "article_text": "a\x00b"}
    error(client.post("/api/v1/threads", json=nul, headers=HEADERS), 422, "invalid_input")
    assert client.get("/api/v1/threads", params={"url": nul["url"]}).status_code == 404
