"""Regression tests for the security review of issue 8's new code (importers, admin, theme)."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import World
from tests.test_loader import ListSource, comment, story
from veche.domain.enums import Role
from veche.importers.loader import load
from veche.importers.model import ImportedAuthor, ImportThread
from veche.moderation.confusables import name_key
from veche.store.import_models import ImportIdentity
from veche.store.models import User


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
