"""The admin pages on SQLite and PostgreSQL: who may see them, the generated site form
(every declared group, secrets never shown back, refusals stored nowhere), stories, roles
and sessions, and the audit entry each change leaves."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import PASSWORD, World, bearer
from tests.test_pages import csrf_of, sign_in_as
from veche.domain.enums import Role
from veche.domain.moderation import Action
from veche.domain.site_settings import GROUPS
from veche.service.accounts import Accounts
from veche.service.moderation import Moderation
from veche.service.runtime import Viewer
from veche.service.stories import SiteSettings, Stories
from veche.store.models import AuditEntry, Site, Story

PAGES = ("/admin", "/admin/sites", "/admin/sites/new", "/admin/stories", "/admin/users")
SECRET = "s3cret-" + "x" * 40


class FormFields(HTMLParser):
    """The fields a browser would send from the page's form with the given action."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside = action, False
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._option = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
            self._option = True

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data
        elif self._select and getattr(self, "_option", False):
            self.fields[self._select] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "option":
            self._option = False
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def fields_of(html: str, action: str) -> dict[str, str]:
    parser = FormFields(action)
    parser.feed(html)
    # A textarea's first newline is the markup's, not the value's (as browsers read it).
    return {k: v[1:] if v.startswith("\n") else v for k, v in parser.fields.items()}


def audits(world: World, action: str) -> list[AuditEntry]:
    with world.rt.db.session(write=False) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def site(world: World) -> Site:
    return Stories(world.rt).site("news")


@pytest.fixture
def admin(client: TestClient, world: World) -> str:
    """Ann, the only admin, signed in; returns a CSRF token of her session."""
    world.user("ann", role=Role.admin)
    sign_in_as(client, "ann")
    return csrf_of(client.get("/admin/sites").text)


def test_signed_out_go_to_sign_in_and_others_are_refused(client: TestClient, world: World) -> None:
    for path in PAGES:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=%2Fadmin")
    maria, _ = world.user("maria", role=Role.moderator)
    sign_in_as(client, "maria")
    for path in (*PAGES, f"/admin/sites/{site(world).id}", f"/admin/users/{maria}"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "Only admins can do that." in r.text and "<h1>Sorry</h1>" in r.text
    csrf = csrf_of(client.get("/").text)
    r = client.post(f"/admin/stories/{world.story.id}/open", data={"csrf": csrf, "open": "false"})
    assert r.status_code == 403
    r = client.post(f"/admin/sites/{site(world).id}", data={"csrf": csrf, "basics.max_length": "9"})
    assert r.status_code == 403 and site(world).max_comment_length == 5000
    nav = client.get("/").text
    assert 'href="/moderation"' in nav and 'href="/admin"' not in nav


def test_every_page_renders_for_an_admin(client: TestClient, world: World, admin: str) -> None:
    bob, _ = world.user("bob")
    for path in (*PAGES, f"/admin/sites/{site(world).id}", f"/admin/users/{bob}"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
    assert 'href="/admin"' in client.get("/").text


def test_posts_without_the_token_are_refused(client: TestClient, world: World, admin: str) -> None:
    target, _ = world.user("bob")
    posts = {
        f"/admin/sites/{site(world).id}": {"basics.max_length": "9"},
        "/admin/sites/new": {"name": "forged"},
        f"/admin/stories/{world.story.id}/open": {"open": "false"},
        f"/admin/users/{target}/role": {"role": "admin"},
        f"/admin/users/{target}/sessions/revoke-all": {},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 403, path
        assert client.post(path, data={**data, "csrf": "wrong"}).status_code == 403, path
    assert site(world).max_comment_length == 5000
    assert Stories(world.rt).get(world.story.id).is_open
    with world.rt.db.session(write=False) as s:
        assert s.scalar(select(Site).where(Site.name == "forged")) is None
        assert not list(s.scalars(select(AuditEntry)))


def test_the_form_as_shown_changes_nothing(client: TestClient, world: World, admin: str) -> None:
    url = f"/admin/sites/{site(world).id}"
    Stories(world.rt).update_site("news", SiteSettings(title_suffix="The Coast Gazette"))
    fields = fields_of(client.get(url).text, url)
    for group in GROUPS:  # one field per declared setting (a secret's is empty)
        for d in group.settings:
            if isinstance(d.default, bool) and not d.default:
                continue  # an unchecked box is not sent
            assert f"{group.key}.{d.name}" in fields, d.name
    r = client.post(url, data=fields, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{url}?msg=Saved."
    assert not audits(world, "site_update")
    assert site(world).title_suffix == "The Coast Gazette"


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        (
            {"basics.edit_window": "30", "basics.title_suffix": "The Coast Gazette",
             "basics.origins": "https://news.example\nhttps://www.news.example"},
            lambda s: (s.edit_window_seconds, s.title_suffix, s.allowed_origins) == (
                1800, "The Coast Gazette", ["https://news.example", "https://www.news.example"]),
        ),
        (
            {"moderation.premoderation": "new", "moderation.banned_words": "scumbag*\nwhore"},
            lambda s: (s.moderation["premoderation"], s.moderation["banned_words"]) == (
                "new", ["scumbag*", "whore"]),
        ),
        (
            {"auth.sso_secret": SECRET, "auth.oidc_client_id": "veche-news"},
            lambda s: (s.auth["sso_secret"], s.auth["oidc_client_id"]) == (SECRET, "veche-news"),
        ),
    ],
    ids=["basics", "moderation", "auth"],
)  # fmt: skip
def test_each_group_round_trips(
    client: TestClient, world: World, admin: str, changes: dict[str, str], check: Any
) -> None:
    url = f"/admin/sites/{site(world).id}"
    fields = {**fields_of(client.get(url).text, url), **changes}
    r = client.post(url, data=fields, follow_redirects=True)
    assert r.status_code == 200 and "Saved." in r.text
    assert check(site(world))
    # Shown back as saved, a secret only as "set"; saved again as shown, nothing changes.
    assert SECRET not in r.text
    shown = fields_of(r.text, url)
    for name, value in changes.items():
        if name != "auth.sso_secret":
            assert shown[name] == value, name
    if "auth.sso_secret" in changes:
        assert shown["auth.sso_secret"] == "" and "set; type to replace" in r.text
    entries = audits(world, "site_update")
    assert len(entries) == 1 and entries[0].actor == "ann"
    assert set(entries[0].after) == set(changes)
    assert SECRET not in str(entries[0].after) and SECRET not in str(entries[0].before)
    client.post(url, data=shown, follow_redirects=False)
    assert check(site(world)) and len(audits(world, "site_update")) == 1


def test_a_secret_is_cleared_only_when_asked(client: TestClient, world: World, admin: str) -> None:
    Stories(world.rt).update_site("news", SiteSettings(auth={"sso_secret": SECRET}))
    url = f"/admin/sites/{site(world).id}"
    fields = fields_of(client.get(url).text, url)
    client.post(url, data={**fields, "auth.sso_secret": ""})
    assert site(world).auth["sso_secret"] == SECRET
    client.post(url, data={**fields, "auth.sso_secret.clear": "yes"})
    assert "sso_secret" not in site(world).auth
    assert audits(world, "site_update")[0].after == {"auth.sso_secret": "not set"}


def test_refused_values_say_why_and_store_nothing(
    client: TestClient, world: World, admin: str
) -> None:
    url = f"/admin/sites/{site(world).id}"
    fields = fields_of(client.get(url).text, url)
    r = client.post(url, data={
        **fields, "basics.title_suffix": "Kept nowhere", "basics.edit_window": "abc",
        "moderation.report_threshold": "0", "auth.sso_secret": "short",
    })  # fmt: skip
    assert r.status_code == 422
    assert "Nothing was saved." in r.text
    assert "The edit window is 0 to 10080 minutes (7 days)." in r.text
    assert "report_threshold is a whole number from 1 to 100." in r.text
    assert "sso_secret is at least 32 bytes" in r.text
    assert r.text.count('aria-invalid="true"') == 3
    assert 'value="Kept nowhere"' in r.text and 'value="short"' not in r.text  # typed, kept
    r = client.post(url, data={
        **fields, "moderation.abuse_queue_at": "0.9", "moderation.abuse_reject_at": "0.8",
    })  # fmt: skip
    assert r.status_code == 422 and "abuse_reject_at must not be below abuse_queue_at." in r.text
    now = site(world)
    assert (now.title_suffix, now.edit_window_seconds, now.moderation, now.auth) == (
        None, 900, {}, {},
    )  # fmt: skip
    assert not audits(world, "site_update")


def test_a_new_site(client: TestClient, world: World, admin: str) -> None:
    fields = fields_of(client.get("/admin/sites/new").text, "/admin/sites/new")
    assert fields["basics.edit_window"] == "15" and fields["moderation.premoderation"] == "off"
    r = client.post("/admin/sites/new", data={
        **fields, "name": "coast", "basics.origins": "https://coast.example",
        "moderation.premoderation": "all",
    }, follow_redirects=True)  # fmt: skip
    assert r.status_code == 200 and "Created the site coast." in r.text
    made = Stories(world.rt).site("coast")
    assert made.allowed_origins == ["https://coast.example"]
    assert made.moderation["premoderation"] == "all"
    assert audits(world, "site_create")[0].after["name"] == "coast"
    again = client.post("/admin/sites/new", data={**fields, "name": "coast"})
    assert again.status_code == 422 and "A site named “coast” exists already." in again.text
    nameless = client.post("/admin/sites/new", data={**fields, "name": " "})
    assert nameless.status_code == 422 and "A site name is 1 to 64 characters." in nameless.text


def _discussion(client: TestClient, world: World) -> None:
    """Two published comments, one of them then removed, and one held for a moderator."""
    _mid, mod_token = world.user("maria", role=Role.moderator)
    _aid, alice = world.user("alice")
    ids = []
    for body in ("First thoughts on the storm.", "A second comment."):
        r = client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": body},
                        headers=bearer(alice))  # fmt: skip
        ids.append(r.json()["id"])
    maria = Accounts(world.rt).resolve(mod_token)
    Moderation(world.rt).decide(ids[1], Action.remove, Viewer(maria, "127.0.0.1"), reason="Spam")
    Stories(world.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    r = client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "Held."},
                    headers=bearer(alice))  # fmt: skip
    assert r.status_code == 201


def test_stories_searched_counted_and_closed(client: TestClient, world: World, admin: str) -> None:
    _discussion(client, world)
    other = world.other_story("harbour-fire")
    page = client.get("/admin/stories").text
    assert "Storm cuts the coast road" in page and "Story harbour-fire" in page
    by_title = client.get("/admin/stories", params={"search": "COAST road"}).text
    assert "Storm cuts the coast road" in by_title and "harbour-fire" not in by_title
    by_url = client.get("/admin/stories", params={"search": "harbour-fire", "site": "news"}).text
    assert "harbour-fire" in by_url and "Storm cuts" not in by_url
    assert "No stories match." in client.get("/admin/stories", params={"search": "%"}).text
    assert client.get("/admin/stories", params={"site": "nope"}).status_code == 404
    row = by_title[by_title.index(f'href="/stories/{world.story.id}"') :]
    assert [c.split("<")[0] for c in row.split("<td>")[2:5]] == ["1", "1", "1"]
    csrf = csrf_of(by_title)
    r = client.post(
        f"/admin/stories/{world.story.id}/open",
        data={"csrf": csrf, "open": "false", "search": "COAST road"}, follow_redirects=True,
    )  # fmt: skip
    assert f"Story {world.story.id}: discussion closed." in r.text and "Reopen" in r.text
    assert not Stories(world.rt).get(world.story.id).is_open
    assert Stories(world.rt).get(other.id).is_open
    assert audits(world, "close")[0].target_id == world.story.id


def test_stories_come_in_bounded_pages(client: TestClient, world: World, admin: str) -> None:
    for n in range(55):
        world.other_story(f"page-{n:02d}")
    first = client.get("/admin/stories").text
    assert first.count('action="/admin/stories/') == 50
    more = first[first.index('<a href="/admin/stories?after=') + 9 :].split('"')[0]
    second = client.get(more.replace("&amp;", "&")).text
    assert second.count('action="/admin/stories/') == 6 and "Older stories" not in second
    with world.rt.db.session(write=False) as s:
        assert len(list(s.scalars(select(Story.id)))) == 56


def test_users_searched_and_roles_changed(client: TestClient, world: World, admin: str) -> None:
    bob, _ = world.user("bob", email="bob@example.com", display_name="Robert Ames")
    world.user("carol")
    assert "bob@example.com" in client.get("/admin/users", params={"search": "ames"}).text
    found = client.get("/admin/users", params={"search": "EXAMPLE.com"}).text
    assert "bob" in found and "carol" not in found
    admins = client.get("/admin/users", params={"role": "admin"}).text
    assert ">ann<" in admins and ">bob<" not in admins
    r = client.post(f"/admin/users/{bob}/role", data={"csrf": admin, "role": "moderator"},
                    follow_redirects=True)  # fmt: skip
    assert "bob is now moderator." in r.text
    entry = audits(world, "role")[0]
    assert (entry.target_id, entry.before, entry.after) == (
        bob, {"role": "reader"}, {"role": "moderator"},
    )  # fmt: skip
    r = client.post(f"/admin/users/{bob}/role", data={"csrf": admin, "role": "owner"})
    assert r.status_code == 422 and "Choose reader, moderator or admin." in r.text


def test_the_last_admin_cannot_step_down(client: TestClient, world: World, admin: str) -> None:
    me = client.get("/admin/users", params={"search": "ann"}).text
    ann_id = int(me.split('href="/admin/users/')[1].split('"')[0])
    r = client.post(f"/admin/users/{ann_id}/role", data={"csrf": admin, "role": "reader"})
    assert r.status_code == 409
    assert "You are the last admin: make someone else an admin first" in r.text
    bob, _ = world.user("bob")
    client.post(f"/admin/users/{bob}/role", data={"csrf": admin, "role": "admin"})
    r = client.post(f"/admin/users/{ann_id}/role", data={"csrf": admin, "role": "moderator"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert client.get("/admin").status_code == 403  # a moderator now


def test_sessions_listed_and_signed_out(client: TestClient, world: World, admin: str) -> None:
    bob, first = world.user("bob")
    _u, second = Accounts(world.rt).sign_in("bob", PASSWORD, ip="127.0.0.1", user_agent="Lynx/2.9")
    page = client.get(f"/admin/users/{bob}").text
    assert "Lynx/2.9" in page and page.count("/sessions/") == 3  # two, and sign out everywhere
    session_id = int(page.split(f"/admin/users/{bob}/sessions/")[1].split("/")[0])
    r = client.post(f"/admin/users/{bob}/sessions/{session_id}/revoke", data={"csrf": admin},
                    follow_redirects=True)  # fmt: skip
    assert "The session was signed out." in r.text
    alive = [t for t in (first, second) if Accounts(world.rt).resolve(t) is not None]
    assert len(alive) == 1
    again = client.post(f"/admin/users/{bob}/sessions/{session_id}/revoke", data={"csrf": admin})
    assert again.status_code == 404
    r = client.post(f"/admin/users/{bob}/sessions/revoke-all", data={"csrf": admin},
                    follow_redirects=True)  # fmt: skip
    assert "Signed out of 1 session." in r.text and "No open sessions." in r.text
    assert Accounts(world.rt).resolve(alive[0]) is None
    assert [e.action for e in audits(world, "revoke_session")] == ["revoke_session"]
    assert audits(world, "revoke_sessions")[0].after == {"revoked": 1}


def test_the_admin_pages_speak_the_admins_language(
    client: TestClient, world: World, admin: str
) -> None:
    """Headings, the generated form (group titles, labels, help texts), refusals, flash
    messages and role names follow the request's language, as every other page does."""
    ru, kk = {"Accept-Language": "ru"}, {"Accept-Language": "kk"}
    sites = client.get("/admin/sites", headers=ru).text
    assert "<h1>Сайты</h1>" in sites and "<h1>Sites</h1>" not in sites
    assert "Добавить сайт" in sites and "Add a site" not in sites
    url = f"/admin/sites/{site(world).id}"
    page = client.get(url, headers=ru).text
    for shown in ("Оформление", "Время на правку", "сколько минут автор может править"):
        assert shown in page, shown
    for english in ("Theme", "Edit window", "minutes during which an author", "Create the site"):
        assert english not in page, english
    fields = fields_of(page, url)
    r = client.post(url, data={**fields, "basics.max_length": "0"}, headers=kk)
    assert r.status_code == 422
    assert "Ештеңе сақталмады." in r.text and "Nothing was saved." not in r.text
    assert "Пікірдің ең үлкен ұзындығы 1 мен 100000 аралығында болады." in r.text
    r = client.post(url, data=fields, headers=ru)  # a flash message made in the language
    assert "Сохранено." in r.text and site(world).max_comment_length == 5000
    bob, _ = world.user("bob")
    r = client.post(f"/admin/users/{bob}/role", data={"csrf": admin, "role": "moderator"},
                    headers=ru)  # fmt: skip
    assert "bob теперь — модератор." in r.text
    users = client.get("/admin/users", headers=kk).text
    assert "<h1>Пайдаланушылар</h1>" in users and 'value="moderator">модератор<' in users
