"""Regression tests for the security review of issue 8's new code (importers, admin, theme)."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import World
from tests.test_loader import ListSource, comment, story
from veche.domain.enums import Role
from veche.importers.loader import load
from veche.importers.model import ImportedAuthor, ImportedStory, ImportThread
from veche.moderation.confusables import name_key
from veche.service.accounts import Accounts
from veche.service.admin import Admin
from veche.service.runtime import Viewer
from veche.service.stories import SiteSettings, Stories
from veche.store.import_models import ImportIdentity
from veche.store.models import AuditEntry, Story, User


def _imported(world: World, *authors: ImportedAuthor) -> list[User]:
    comments = [comment(str(n), author=a) for n, a in enumerate(authors, 1)]
    load(world.rt, ListSource([ImportThread(story("s1"), comments)]), site_name="news")
    with world.rt.db.session(write=False) as s:
        ids = select(ImportIdentity.user_id)
        return list(s.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)).all())


def test_an_imported_handle_never_looks_like_a_members(world: World) -> None:
    """A Cyrillic a (U+0430) in place of a Latin one is another handle_key but the same skeleton:
    sign-up and SSO refuse such a lookalike of a member's handle, and so must an import."""
    world.user("alice", role=Role.moderator)
    users = _imported(world, ImportedAuthor("x1", "", handle="\u0430lice"))
    assert len(users) == 1
    assert name_key(users[0].handle) != name_key("alice"), users[0].handle


def test_an_import_makes_no_story_at_another_sites_page(world: World) -> None:
    """Stories are one per URL across all sites: an export that holds a page of another
    site here (a Disqus forum that once embedded on two domains) must not make it a story
    of the site imported into, or that other site's own pages lose their discussion (their
    origin is not the importing site's)."""
    other = "https://other.example"
    Stories(world.rt).create_site("other", SiteSettings(allowed_origins=[other]))
    thread = ImportThread(ImportedStory("t9", f"{other}/2026/page", "Elsewhere"), [comment("1")])
    report = load(world.rt, ListSource([thread]), site_name="news")
    assert report.story_ids == []
    assert [r.where for r in report.skipped] == ["thread t9"]
    with world.rt.db.session(write=False) as s:
        assert s.scalar(select(Story).where(Story.url == f"{other}/2026/page")) is None


def test_replacing_a_secret_leaves_an_audit_entry(world: World) -> None:
    """The audit log shows a secret only as "set" or "not set"; a new SSO key over an old
    one is set both before and after, and must still be written down (who, when)."""
    _id, token = world.user("ann", role=Role.admin)
    who = Viewer(user=Accounts(world.rt).resolve(token), ip="127.0.0.1", token=token)
    site_id = Stories(world.rt).site("news").id
    admin = Admin(world.rt)
    admin.save_site(site_id, {"auth.sso_secret": "first-" + "x" * 40}, who)
    admin.save_site(site_id, {"auth.sso_secret": "second-" + "y" * 40}, who)
    with world.rt.db.session(write=False) as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "site_update").order_by(AuditEntry.id)
        ).all()
        assert ["auth.sso_secret" in (e.after or {}) for e in entries] == [True, True]
        assert "second-" not in str(entries[1].after)
