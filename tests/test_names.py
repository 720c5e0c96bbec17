"""Nobody passes for someone else: look-alike handles are refused at sign-up, staff titles are
kept for staff, and guests cannot take a member's handle or real name, however spelt."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, World, error
from veche.domain.enums import Role
from veche.moderation.confusables import claims_office, name_key
from veche.service.stories import SiteSettings, Stories

CYRILLIC_O = "\u043e"
CYRILLIC_E = "\u0435"


def signup(client: TestClient, handle: str, **kw: str) -> object:
    return client.post("/api/v1/auth/signup", json={"handle": handle, "password": PASSWORD, **kw})


def test_name_keys() -> None:
    assert name_key(f"m{CYRILLIC_O}derator") == name_key("moderator")
    assert name_key("Denis Z") == name_key("denis_z") == name_key("DenisZ")
    assert name_key("rnoderator") == name_key("moderator")  # rn reads as m
    assert name_key("Nadežda P.") == name_key("Nadezda P")
    assert name_key("alice") != name_key("alicia")
    assert claims_office("Moderator 2") and claims_office("admin_team")
    assert claims_office(f"М{CYRILLIC_O}дератор")  # Russian, with a Cyrillic о anyway
    assert not claims_office("Modest Mouse") and not claims_office("Edith")


@pytest.mark.parametrize(
    "handle",
    [
        f"m{CYRILLIC_O}derator_x",
        "bob",
        f"b{CYRILLIC_O}b",
        "B.O.B",
        "Denis_Z",
        f"D{CYRILLIC_E}nis Z",
    ],
)
def test_look_alike_handles_are_refused(client: TestClient, world: World, handle: str) -> None:
    world.user("moderator_x", role=Role.moderator)
    world.user("bob")
    world.user("Denis Z")
    err = error(signup(client, handle), 409, "conflict")
    assert err["field"] == "handle"


def test_staff_titles_are_for_staff(client: TestClient, world: World) -> None:
    for handle in ("moderator", "Admin", "The Editors", f"m{CYRILLIC_O}d"):
        err = error(signup(client, handle), 409, "conflict")
        assert "staff" in err["message"]
    err = error(signup(client, "plainreader", display_name="Site Moderator"), 409, "conflict")
    assert err["field"] == "display_name"
    # The CLI makes staff accounts with those names.
    world.user("moderator", role=Role.moderator)
    assert signup(client, "alice", display_name="Alice Smith").status_code == 201  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "name",
    [
        "moderator",
        "ADMIN",
        f"b{CYRILLIC_O}b",
        "bob",
        "Alice Smith",
        f"Alic{CYRILLIC_E} Smith",
        "Модератор",
    ],
)
def test_guests_cannot_pass_as_members_or_staff(
    client: TestClient, world: World, name: str
) -> None:
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    world.user("bob")
    world.user("alice", display_name="Alice Smith")
    r = client.post(f"/api/v1/stories/{world.story.id}/comments",
                    json={"body": "hello", "guest_name": name})  # fmt: skip
    err = error(r, 409, "conflict")
    assert err["field"] == "guest_name"


def test_plain_guests_still_post(client: TestClient, world: World) -> None:
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    world.user("bob")
    url = f"/api/v1/stories/{world.story.id}/comments"
    for name in ("Visitor from Almaty", "guest", None):
        body = {"body": "hello there"} | ({"guest_name": name} if name else {})
        r = client.post(url, json=body)
        assert r.status_code == 201, r.text
