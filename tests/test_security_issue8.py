"""Regression tests for the security review of issue 8's new code (importers, admin, theme)."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import World
from tests.test_loader import ListSource, comment, story
from veche.domain.enums import Role
from veche.importers import remark42
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


def test_a_remark42_gzip_bomb_line_is_never_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gzipped backup whose one line inflates to far more than any record (here 32 MB
    of spaces from a few kB) is skipped and reported, read a bounded piece at a time; the
    lines after it are read as usual."""
    monkeypatch.setattr(remark42, "LINE_MAX", 64 * 1024)
    url = '"locator":{"site":"s","url":"https://news.example/p"}'
    path = tmp_path / "backup-s-20260101.gz"
    with gzip.open(path, "wb") as out:
        out.write(b'{"version":1,"users":[],"posts":[]}\n')
        for _ in range(32):
            out.write(b" " * (1024 * 1024))
        out.write(b"\n")
        out.write(
            b'{"id":"a","pid":"","text":"<p>after</p>","user":{"id":"github_1","name":"A"},'
            + url.encode()
            + b',"time":"2020-01-01T00:00:00Z"}\n'
        )
    source = remark42.Remark42Source(path)
    tracemalloc.start()
    try:
        [thread] = source.threads()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [c.external_id for c in thread.comments] == ["a"]
    assert [(r.where, r.reason) for r in source.rejected] == [
        ("line 2", "over 65536 bytes, not read")
    ]
    assert peak < 8 * 1024 * 1024, peak
