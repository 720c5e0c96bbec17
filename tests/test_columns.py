"""Validation and columns agree: one character over any column is a readable 422, not a 500.

The walk over the models makes a new string column fail here until it has a probe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Enum, String, Text, select

from tests.conftest import ORIGIN, PASSWORD, World, bearer, error
from veche.domain.errors import InvalidInput
from veche.service.stories import SiteSettings, Stories
from veche.store.models import AuthSession, Base, Story

Probe = Callable[[TestClient, World, int], None]


def refused_422(r: Any, field: str) -> None:
    err = error(r, 422, "invalid_input")
    assert err["field"] == field, err


def _signup(client: TestClient, **fields: str) -> Any:
    body = {"handle": "reader", "password": PASSWORD, **fields}
    return client.post("/api/v1/auth/signup", json=body)


def handle_probe(client: TestClient, world: World, n: int) -> None:
    refused_422(_signup(client, handle="h" * (n + 1)), "handle")


def email_probe(client: TestClient, world: World, n: int) -> None:
    domain = "@news.example"
    email = "e" * (n + 1 - len(domain)) + domain
    assert len(email) == n + 1
    refused_422(_signup(client, email=email), "email")
    # The 269 characters that crashed PostgreSQL, past the schema: the service refuses too.
    with pytest.raises(InvalidInput, match="at most 254"):
        from veche.service.accounts import Accounts

        Accounts(world.rt).create_user("reader", PASSWORD, email="m" * 256 + domain)


def display_name_probe(client: TestClient, world: World, n: int) -> None:
    refused_422(_signup(client, display_name="d" * (n + 1)), "display_name")


def guest_name_probe(client: TestClient, world: World, n: int) -> None:
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "hello", "guest_name": "g" * (n + 1)},
    )
    refused_422(r, "guest_name")


def idempotency_key_probe(client: TestClient, world: World, n: int) -> None:
    _u, token = world.user("keyholder")
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "hello", "idempotency_key": "k" * (n + 1)},
        headers=bearer(token),
    )
    refused_422(r, "idempotency_key")


def site_name_probe(client: TestClient, world: World, n: int) -> None:
    with pytest.raises(InvalidInput, match="1 to 64 characters"):
        Stories(world.rt).create_site("s" * (n + 1), SiteSettings())


def title_suffix_probe(client: TestClient, world: World, n: int) -> None:
    with pytest.raises(InvalidInput, match=f"at most {n} characters"):
        Stories(world.rt).update_site("news", SiteSettings(title_suffix="t" * (n + 1)))


def url_probe(client: TestClient, world: World, n: int) -> None:
    url = f"{ORIGIN}/" + "u" * (n + 1 - len(ORIGIN) - 1)
    assert len(url) == n + 1
    refused_422(client.get("/api/v1/threads", params={"url": url}), "url")
    with pytest.raises(InvalidInput):
        Stories(world.rt).create("news", url, "A title")


def title_probe(client: TestClient, world: World, n: int) -> None:
    r = client.post(
        "/api/v1/threads", json={"url": f"{ORIGIN}/long", "title": "t" * (n + 1)},
        headers={"Origin": ORIGIN},
    )  # fmt: skip
    refused_422(r, "title")
    with pytest.raises(InvalidInput, match="at most 300"):
        Stories(world.rt).create("news", f"{ORIGIN}/long2", "t" * (n + 1))


def user_agent_probe(client: TestClient, world: World, n: int) -> None:
    """A header is not refused: it is cut to fit."""
    world.user("agent")
    r = client.post(
        "/api/v1/auth/signin",
        json={"login": "agent", "password": PASSWORD},
        headers={"User-Agent": "a" * (n + 1)},
    )
    assert r.status_code == 200, r.text
    with world.rt.db.session(write=False) as s:
        stored = s.scalars(select(AuthSession.user_agent)).all()
    assert max(len(x or "") for x in stored) == n


def _story_text_probe(column: str) -> Probe:
    def probe(client: TestClient, world: World, n: int) -> None:
        """Editorial text from the importer and CLI is cut to fit, as it always was."""
        story = Stories(world.rt).create(
            "news", f"{ORIGIN}/{column}", "Captioned", **{column: "c" * (n + 1)}
        )
        with world.rt.db.session(write=False) as s:
            stored = s.get(Story, story.id)
            assert stored is not None
            assert len(getattr(stored, column)) == n

    return probe


def _moderator(world: World) -> str:
    from veche.domain.enums import Role

    return world.user("maria", role=Role.moderator)[1]


def ban_reason_probe(client: TestClient, world: World, n: int) -> None:
    mod = _moderator(world)
    world.user("troll")
    r = client.post("/api/v1/users/troll/restrictions",
                    json={"ban": True, "reason": "r" * (n + 1)}, headers=bearer(mod))  # fmt: skip
    refused_422(r, "reason")


def report_note_probe(client: TestClient, world: World, n: int) -> None:
    _a, alice = world.user("alice")
    _b, bob = world.user("bob")
    c = client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "hi"},
                    headers=bearer(alice)).json()  # fmt: skip
    r = client.post(f"/api/v1/comments/{c['id']}/reports",
                    json={"reason": "other", "note": "n" * (n + 1)}, headers=bearer(bob))  # fmt: skip
    refused_422(r, "note")


def mod_reason_probe(client: TestClient, world: World, n: int) -> None:
    """A moderator's reason is a listed one plus a note: the longest of both fits."""
    from veche.domain.moderation import REASON_MAX
    from veche.service.moderation import NOTE_MAX

    assert n >= REASON_MAX + 2 + NOTE_MAX
    mod = _moderator(world)
    _a, alice = world.user("alice")
    c = client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "hi"},
                    headers=bearer(alice)).json()  # fmt: skip
    url = f"/api/v1/comments/{c['id']}/decision"
    r = client.post(url, json={"action": "remove", "reason": "Spam", "note": "n" * (NOTE_MAX + 1)},
                    headers=bearer(mod))  # fmt: skip
    refused_422(r, "note")
    r = client.post(url, json={"action": "remove", "reason": "Spam", "note": "n" * NOTE_MAX},
                    headers=bearer(mod))  # fmt: skip
    assert r.status_code == 200, r.text


def avatar_probe(client: TestClient, world: World, n: int) -> None:
    """A publisher's avatar claim one over the column: the token is refused, naming it."""
    from tests.test_sso import SECRET, sign

    Stories(world.rt).update_site("news", SiteSettings(auth={"sso_secret": SECRET}))
    avatar = "https://cdn.news.example/" + "a" * (n + 1 - len("https://cdn.news.example/"))
    r = client.post("/api/v1/auth/sso", json={"site": "news", "token": sign(SECRET, avatar=avatar)})
    assert error(r, 401, "sso_invalid_claims")["field"] == "avatar"


def webhook_url_probe(client: TestClient, world: World, n: int) -> None:
    from veche.domain.enums import Role

    _a, admin = world.user("ada", role=Role.admin)
    url = "https://93.184.215.14/" + "w" * (n + 1 - len("https://93.184.215.14/"))
    assert len(url) == n + 1
    r = client.post("/api/v1/sites/news/webhooks", json={"url": url}, headers=bearer(admin))
    refused_422(r, "url")


PROBES: dict[str, Probe] = {
    "users.handle": handle_probe,
    "users.handle_key": handle_probe,
    "users.email": email_probe,
    "users.display_name": display_name_probe,
    "comments.guest_name": guest_name_probe,
    "comments.idempotency_key": idempotency_key_probe,
    "sites.name": site_name_probe,
    "sites.title_suffix": title_suffix_probe,
    "stories.url": url_probe,
    "stories.title": title_probe,
    "stories.image_caption": _story_text_probe("image_caption"),
    "stories.photo_credit": _story_text_probe("photo_credit"),
    "sessions.user_agent": user_agent_probe,
    "users.ban_reason": ban_reason_probe,
    "reports.note": report_note_probe,
    "comments.mod_reason": mod_reason_probe,
    "users.avatar_url": avatar_probe,
    "webhook_endpoints.url": webhook_url_probe,
}
# Written only by veche itself, never from user input.
INTERNAL = {
    "settings.key",
    "users.password_hash",
    "sessions.token_hash",
    "comments.path",
    "events.kind",
    "users.handle_skeleton",  # derived from a checked handle or name, with room to spare
    "users.name_skeleton",
    "comments.held_by",
    "audit_log.actor",  # a handle, or "auto"
    "audit_log.action",
    "audit_log.target_kind",
    "audit_log.reason",  # a comment's mod_reason or a ban's reason, both checked above
    "outbox.kind",
    "outbox.status",
    "outbox.target",  # a copy of an address or URL checked where it was set
    "outbox.dedupe_key",
    "outbox.last_error",  # cut to the column by notify.outbox
    "identities.provider",
    "identities.subject",  # a token's `sub`, checked against the column by the sign-in
    "account_tokens.purpose",
    "account_tokens.token_hash",
    "account_tokens.email",  # a copy of an address checked by validation.email
    "signin_throttle.key",
    "sso_used_tokens.jti_hash",  # a SHA-256 hex digest
    "webhook_endpoints.secret",  # generated by veche.webhooks.signing
    "notifications.actor",  # a copy of a checked handle or guest name
    "sites.language",  # one of veche.i18n.LANGUAGES (domain/language.py)
    "users.language",
    "users.time_zone",  # an IANA zone name, checked against zoneinfo's list
    # Imports (CLI only): ids over their column are reported and skipped (importers/order.py,
    # loader.py) or, for authors, kept whole as a digest; names, e-mails and URLs are cut.
    "import_identities.source",
    "import_identities.external_id",
    "import_identities.name",
    "import_identities.email",
    "import_identities.url",
    "import_stories.source",
    "import_stories.external_id",
    "import_comments.source",
    "import_comments.external_id",
    "import_comments.status",
    "import_comments.body_digest",
}


def string_columns() -> dict[str, int]:
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            # Text is unbounded; enums are validated by their type.
            if isinstance(kind, String) and not isinstance(kind, Enum | Text):
                assert kind.length is not None
                found[f"{table.name}.{column.name}"] = kind.length
    return found


def test_every_string_column_has_a_probe() -> None:
    columns = set(string_columns())
    assert columns == set(PROBES) | INTERNAL, columns ^ (set(PROBES) | INTERNAL)


@pytest.mark.parametrize("column", sorted(PROBES))
def test_one_over_the_column_is_refused_or_cut(
    client: TestClient, world: World, column: str
) -> None:
    PROBES[column](client, world, string_columns()[column])


def test_guest_name_refusals_name_their_field() -> None:
    from veche.domain import validation

    with pytest.raises(InvalidInput, match="A guest name is at most 60") as caught:
        validation.guest_name("g" * 61)
    assert caught.value.field == "guest_name"
    assert validation.guest_name("  Visitor  ") == "Visitor"
