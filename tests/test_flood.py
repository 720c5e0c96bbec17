"""A flood: 500 near-identical comments from 50 new accounts are held back, while a regular
reader's comment in the same thread is published. The real pipeline, on both engines."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient

from tests.conftest import World, bearer
from veche.domain.enums import Role

MESSAGE = (
    "Only Nurlan Abenov will bring the internet back and restore order in our country, "
    "everyone who loves Kazakhstan must vote for him on Sunday"
)
LOOKALIKES = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441", "p": "\u0440"}


def variant(rng: random.Random, n: int) -> str:
    """What flood scripts do: swap in look-alike letters, add emoji and noise, cut a word."""
    words = MESSAGE.split()
    if n % 3 == 0:
        del words[rng.randrange(len(words))]
    text = " ".join(words)
    chars = [LOOKALIKES.get(ch, ch) if rng.random() < 0.15 else ch for ch in text]
    tail = rng.choice(["!!!", " 🇰🇿", " 🔥🔥", "!", " #vote", ""])
    return "".join(chars) + tail


def test_a_flood_is_held_and_a_regular_reader_is_not(client: TestClient, world: World) -> None:
    url = f"/api/v1/stories/{world.story.id}/comments"
    _r, regular = world.user("aigerim")
    for text in ("Good reporting.", "The photos from the square are striking.", "Thank you."):
        assert client.post(url, json={"body": text}, headers=bearer(regular)).status_code == 201
    rng = random.Random(7)
    accounts = [world.user(f"patriot{i:02d}")[1] for i in range(50)]
    statuses: list[str] = []
    regular_status = None
    for n in range(500):
        r = client.post(url, json={"body": variant(rng, n)}, headers=bearer(accounts[n % 50]))
        assert r.status_code == 201, r.text
        statuses.append(r.json()["status"])
        if n == 250:
            reply = client.post(
                url, json={"body": "Whoever wins, I hope they keep the internet on this time."},
                headers=bearer(regular),
            )  # fmt: skip
            regular_status = reply.json()["status"]
    held = statuses.count("pending")
    # Only the very first post has nothing earlier to resemble.
    assert held >= 499, statuses[:10]
    assert regular_status == "visible"
    shown = client.get(url).json()["comments"]
    assert sum(1 for c in shown if "Abenov" in (c["body_html"] or "")) <= 1
    # The moderators see why, in the auto-flagged tab.
    _m, mod = world.user("maria", role=Role.moderator)
    q = client.get("/api/v1/moderation/queue?site=news&tab=flagged", headers=bearer(mod)).json()
    assert q["counts"]["flagged"] == held
    assert any("near_duplicate" in f for f in q["items"][0]["flags"])
