"""Turn a parsed page into a story, its commenters and its thread, all or nothing."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlalchemy.orm import Session

from veche.domain import validation
from veche.domain.enums import CommentStatus, QuoteSource
from veche.domain.errors import Conflict, NotFound
from veche.importers.page_text import ParsedComment, ParsedPage, find_article_quote, iter_comments
from veche.moderation.confusables import name_key
from veche.service.comments import Comments, Draft, QuoteRequest
from veche.service.runtime import Runtime
from veche.service.stories import Stories, set_content
from veche.service.titles import page_title
from veche.store import accounts as store_accounts
from veche.store import comments as store_comments
from veche.store import stories as store_stories
from veche.store.models import Comment, Story, User

# A deleted comment's text is gone from the page; the row keeps its place and number.
DELETED_BODY = "(deleted before import)"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "story"


def _user(s: Session, cache: dict[str, User], c: ParsedComment, now: dt.datetime) -> User:
    assert c.handle is not None
    handle = validation.handle(c.handle)
    key = validation.handle_key(handle)
    user = cache.get(key) or store_accounts.user_by_handle_key(s, key)
    if user is None:
        name = validation.display_name(c.real_name)
        user = User(
            handle=handle, handle_key=key, display_name=name, created_at=now,
            handle_skeleton=name_key(handle), name_skeleton=name_key(name) if name else None,
        )  # fmt: skip
        s.add(user)
        s.flush()
    seen = now if c.online else c.created_at
    if seen and (user.last_seen_at is None or seen > user.last_seen_at):
        user.last_seen_at = seen
    cache[key] = user
    return user


def _quote_source(
    c: ParsedComment, parent: Comment | None, earlier: list[tuple[str | None, Comment]]
) -> Comment | None:
    """The quoted comment: the parent when it is theirs, else their latest before this one."""
    assert c.quote is not None
    wanted = c.quote.author.casefold()
    if parent is not None and parent.author and parent.author.handle.casefold() == wanted:
        return parent
    for handle, comment in reversed(earlier):
        if handle is not None and handle.casefold() == wanted:
            return comment
    return None


def import_page(rt: Runtime, page: ParsedPage, *, site_name: str, url: str | None = None) -> Story:
    now = rt.clock()
    url = validation.http_url(url or f"{rt.config.base_url}/imported/{slugify(page.title)}")
    comments = Comments(rt)
    with rt.db.session() as s:
        site = store_stories.site_by_name(s, site_name)
        if site is None:
            raise NotFound(
                f"There is no site named “{site_name}”. Create it with `veche site create`."
            )
        if store_stories.story_by_url(s, url):
            raise Conflict(f"A story at {url} was imported already.")
        title, retitled = page_title(s, site, page.title, now=now)
        story = Story(site_id=site.id, url=url, title=title, created_at=now)
        set_content(story, page.body, page.image_caption, page.photo_credit)
        s.add(story)
        s.flush()
        s.refresh(story)
        by_number: dict[tuple[int, ...], Comment] = {}
        earlier: list[tuple[str | None, Comment]] = []
        users: dict[str, User] = {}
        deleted: list[Comment] = []
        seq = 0
        flat = list(iter_comments(page.comments))
        for i, c in enumerate(flat):
            parent = by_number.get(c.number[:-1]) if len(c.number) > 1 else None
            when = c.created_at or next(
                (x.created_at for x in flat[i:] if x.created_at), story.created_at
            )
            author = None if c.deleted or c.handle in (None, "guest") else _user(s, users, c, now)
            quote = None
            body = c.body if not c.deleted else DELETED_BODY
            if c.quote is not None:
                source = _quote_source(c, parent, earlier)
                if source is not None:
                    quote = QuoteRequest(QuoteSource.comment, c.quote.text, source.id)
                else:
                    # Nothing on the page to link it to: keep the quote as text, not lose it.
                    body = f"> Quote: {c.quote.author}\n>\n> {c.quote.text}\n\n{body}"
            elif not c.deleted and story.body_text:
                found = find_article_quote(c.body, story.body_text)
                if found is not None:
                    quote = QuoteRequest(QuoteSource.story, found[0])
                    body = found[1]
            comment, event = comments.import_comment(
                s, story, Draft(body or DELETED_BODY, parent.id if parent else None, quote),
                author_id=author.id if author else None,
                guest_name="guest" if author is None and not c.deleted else None,
                created_at=when,
            )  # fmt: skip
            seq = max(seq, event.seq)
            by_number[c.number] = comment
            earlier.append((c.handle, comment))
            if c.deleted:
                deleted.append(comment)
        for comment in deleted:
            events = store_comments.set_status(s, comment, CommentStatus.deleted, now)
            seq = max([seq, *(e.seq for e in events)])
        story_id = story.id
    rt.publish(story_id, seq)
    for other_id, other_seq in retitled:
        rt.publish(other_id, other_seq)
    return Stories(rt).get(story_id)
