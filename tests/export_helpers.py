"""A site worth exporting: nested replies, quotes of the story and of comments, a guest, an
edit, and comments deleted, removed, held and refused, all made through the services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from tests.conftest import NewUser, World
from veche.domain.enums import QuoteSource, Role
from veche.domain.moderation import Action
from veche.service.comments import Comments, Draft
from veche.service.drafts import QuoteRequest
from veche.service.moderation import Moderation
from veche.service.runtime import Viewer
from veche.service.stories import SiteSettings, Stories
from veche.store.models import User

STORY_QUOTE = "The council opened the sports hall as a warming centre."


@dataclass
class Archive:
    ids: dict[str, int]  # comment ids by their part in the thread
    members: dict[str, int]  # user ids by handle
    tokens: dict[str, str]


def build_archive(world: World) -> Archive:
    rt = world.rt
    Stories(rt).update_site("news", SiteSettings(allow_guests=True, require_sign_in=False))
    members: dict[str, int] = {}
    tokens: dict[str, str] = {}
    for handle, kw in (
        ("ann", NewUser(display_name="Ann Kask", email="ann@example.org")),
        ("bob", NewUser(email="bob@example.org")),
        ("mod", NewUser(role=Role.moderator)),
        ("held", NewUser()),
    ):
        members[handle], tokens[handle] = world.user(handle, **kw)
    with rt.db.session() as s:
        s.execute(update(User).where(User.id == members["held"]).values(premoderated=True))
        users = {u.handle: u for u in s.query(User)}
        for u in users.values():
            s.expunge(u)
    who = {h: Viewer(users[h], "127.0.0.1") for h in members}
    guest = Viewer(None, "127.0.0.2")
    comments = Comments(rt)
    sid = world.story.id

    def post(
        by: Viewer, body: str, parent: int | None = None, *,
        quote: QuoteRequest | None = None, guest_name: str | None = None,
    ) -> int:  # fmt: skip
        made, _ = comments.create(sid, Draft(body, parent, quote, guest_name=guest_name), by)
        return made.id

    ids: dict[str, int] = {}
    ids["root"] = post(
        who["ann"], "A warm hall, at last.",
        quote=QuoteRequest(QuoteSource.story, STORY_QUOTE),
    )  # fmt: skip
    ids["reply"] = post(
        who["bob"], "Was it *full*?", ids["root"],
        quote=QuoteRequest(QuoteSource.comment, "A warm hall, at last.", ids["root"]),
    )  # fmt: skip
    ids["guest"] = post(guest, "I was there; it was full.", ids["reply"], guest_name="Passer-by")
    ids["deleted"] = post(who["bob"], "Something I took back.")
    ids["under_deleted"] = post(who["ann"], "Replying to what was said.", ids["deleted"])
    ids["removed"] = post(who["ann"], "Words a moderator took down.")
    ids["quotes_removed"] = post(
        who["bob"], "Quoting it first.", ids["removed"],
        quote=QuoteRequest(QuoteSource.comment, "Words a moderator took down.", ids["removed"]),
    )  # fmt: skip
    ids["edited"] = post(who["bob"], "First words.")
    ids["rejected"] = post(who["held"], "Refused by a moderator.")
    ids["pending"] = post(who["held"], "Waiting for a moderator.")
    comments.edit(ids["edited"], "Second words, after an edit.", who["bob"])
    comments.delete(ids["deleted"], who["bob"])
    moderation = Moderation(rt)
    moderation.decide(ids["removed"], Action.remove, who["mod"], reason="Spam")
    moderation.decide(ids["rejected"], Action.reject, who["mod"], reason="Spam")
    return Archive(ids, members, tokens)
