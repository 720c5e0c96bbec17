"""Display of deep threads: nesting is capped on screen, never in the data."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import World, bearer, with_config
from veche.domain import paths
from veche.domain.enums import Role
from veche.service.comments import Comments, Draft
from veche.service.runtime import Viewer
from veche.store.models import User
from veche.web.app import create_app
from veche.web.views import API_DEPTH, PAGE_DEPTH


def chain(world: World, length: int) -> tuple[list[int], str]:
    uid, token = world.user("Deep Diver")
    with world.rt.db.session(write=False) as s:
        user = s.get(User, uid)
    me = Viewer(user, "192.0.2.7")
    ids: list[int] = []
    parent = None
    for i in range(length):
        made, _ = Comments(world.rt).create(
            world.story.id, Draft(f"level {i}", parent_id=parent), me
        )
        ids.append(made.id)
        parent = made.id
    return ids, token


def test_a_deep_chain_renders_with_capped_nesting(world: World) -> None:
    ids, token = chain(world, 40)
    # Every reply on one page, to see the whole chain levelled (pages cut at 20 by default).
    roomy = with_config(world.rt, replies_per_root=50)
    with TestClient(create_app(roomy.config, roomy), base_url="https://veche.test") as client:
        _deep_chain_checks(client, world, ids, cards=False)
        # Signed in, the page is the shared body composed with their controls, server-side.
        client.headers.update(bearer(token))
        _deep_chain_checks(client, world, ids, cards=True)


def _deep_chain_checks(client: TestClient, world: World, ids: list[int], *, cards: bool) -> None:
    html = client.get(f"/stories/{world.story.id}")
    assert html.status_code == 200
    levels = [int(x) for x in re.findall(r'class="comment level-(\d+)', html.text)]
    assert len(levels) == 40
    assert max(levels) == PAGE_DEPTH - 1
    assert html.text.count('class="reply-to"') == 40 - PAGE_DEPTH
    numbers = re.findall(r'data-number="([\d.]+)"', html.text)
    assert numbers[-1] == ".".join(["1"] * 40)  # the true position is kept

    api = client.get(f"/api/v1/stories/{world.story.id}/comments").json()
    node, seen = api["comments"][0], 1
    while node["replies"]:
        assert len(node["replies"]) == 1 or seen >= API_DEPTH - 1
        node = node["replies"][-1]
        seen += 1
    assert node["depth"] == 39 and node["reply_to"] == "Deep Diver"
    ctx = client.get(f"/api/v1/comments/{ids[-1]}").json()
    assert len(ctx["ancestors"]) == 39
    whole = client.get(f"/fragments/comments/{ids[0]}").text
    assert re.findall(r'data-comment-id="(\d+)"', whole) == [str(i) for i in ids]
    # A fragment is levelled as in the whole thread, so the page can put it in place.
    for position in (PAGE_DEPTH - 2, PAGE_DEPTH - 1, PAGE_DEPTH + 3):
        one = client.get(f"/fragments/comments/{ids[position]}").text
        level = min(position, PAGE_DEPTH - 1)
        assert f'class="comment level-{level} ' in one
        # Past the cap, replies are the parent's siblings on the page, not inside it.
        inside = re.findall(r'data-comment-id="(\d+)"', one)
        assert inside[0] == str(ids[position])
        assert len(inside) == (40 - position if position < PAGE_DEPTH - 1 else 1)
    if not cards:
        return  # an anonymous page is shared: Reply for everyone, the card is only theirs
    # A card alone is the very card the whole page shows: level, "↳ handle" and all.
    for position in (0, PAGE_DEPTH - 1, PAGE_DEPTH, PAGE_DEPTH + 3):
        card = client.get(f"/fragments/comments/{ids[position]}/card").text.strip()
        card = card.replace("https://veche.test", "")  # fragments link to veche absolutely
        assert card.count("<article") == 1 and "<li" not in card
        on_page = re.search(
            rf'id="c{ids[position]}".*?(<article.*?</article>)', html.text, flags=re.DOTALL
        )
        assert on_page is not None
        assert card == on_page.group(1)


def test_replies_past_the_storage_bound_are_refused(client: TestClient, world: World) -> None:
    ids, token = chain(world, paths.MAX_DEPTH + 1)
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "one too deep", "parent_id": ids[-1]},
        headers=bearer(token),
    )
    assert r.status_code == 422
    assert "nested too deeply" in r.json()["error"]["message"]
    assert client.get(f"/stories/{world.story.id}").status_code == 200


def test_every_quote_state_has_its_label_on_the_page_and_in_json(
    client: TestClient, world: World
) -> None:
    _d, denis = world.user("Denis Z")
    _g, gosha = world.user("Gosha")
    _m, mod = world.user("mod", role=Role.moderator)
    url = f"/api/v1/stories/{world.story.id}/comments"
    src = client.post(
        url, json={"body": "I would never say the election was rigged."}, headers=bearer(denis)
    ).json()
    for words in ("never say the election was rigged", "the election was rigged", "rig",
                  "I always say so"):  # fmt: skip
        quote = {"source": "comment", "comment_id": src["id"], "text": words}
        r = client.post(url, json={"body": "so", "quote": quote}, headers=bearer(gosha))
        assert r.status_code == 201, r.text

    def shown() -> tuple[list[tuple[str, str, int | None]], list[str]]:
        quotes = [c["quote"] for c in client.get(url).json()["comments"] if c["quote"]]
        page = client.get(f"/stories/{world.story.id}").text
        spans = re.findall(r'<span class="quote-state">([^<]*)</span>', page)
        return [(q["state"], q["state_label"], q["coverage"]) for q in quotes], spans

    quotes, spans = shown()
    assert quotes == [
        ("verified", "verified · 75% of the comment", 75),
        ("out_of_context", "out of context — the whole sentence says otherwise", 50),
        ("too_short", "too short to check", None),
        ("altered", "altered — not what the source says", None),
    ]
    assert spans == [label for _s, label, _c in quotes]
    edited = client.patch(
        f"/api/v1/comments/{src['id']}", json={"body": "I changed my mind."}, headers=bearer(denis)
    )
    assert edited.status_code == 200
    quotes, _spans = shown()
    assert [label for _s, label, _c in quotes] == [
        "source edited since",
        "source edited since",
        "too short to check",
        "altered — not what the source says",
    ]
    assert client.post(
        f"/api/v1/comments/{src['id']}/remove", json={"reason": "Spam"}, headers=bearer(mod)
    ).is_success
    quotes, spans = shown()
    assert spans == ["source removed by a moderator"] * 4
    page = client.get(f"/stories/{world.story.id}").text
    assert page.count("The quoted comment was removed by a moderator.") == 4
    assert "election was rigged" not in page
