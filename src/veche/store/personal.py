"""One person's rows, table by table, for their data download (service.personal_data).

`KEPT_ABOUT_A_USER` names every table with a column pointing at a user, and says whether
the download includes it or why not; a test holds it to the schema, so a new table that
keeps something about people cannot be forgotten here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from veche.store.import_models import ImportIdentity
from veche.store.models import AuthSession, Comment, CommentRevision, Report, Site, Story
from veche.store.reader_models import Identity, Notification, Reaction

# Rows per list in one download: a bound, not a page (nobody has written this much).
LIMIT = 50_000

KEPT_ABOUT_A_USER: dict[str, str] = {
    "users": "included: the account",
    "comments": "included: their comments (author_id); decided_by is a moderator's record",
    "comment_revisions": "included: the earlier texts of their comments",
    "sessions": "included: when each was opened, until when, the browser; never the token",
    "identities": "included: which SSO or OpenID account signs them in",
    "import_identities": "included: who they were in an imported source (name, email, URL)",
    "reactions": "included",
    "reports": "included: the reports they made",
    "notifications": "included: theirs; actor_id only names them in another's list",
    "account_tokens": "left out: one-time mailed links, stored only as hashes",
    "audit_log": "left out: moderators' accountability record; it holds others' data too",
}


def comments(s: Session, user_id: int) -> list[tuple[Comment, str, str]]:
    rows = s.execute(
        select(Comment, Story.url, Story.title)
        .join(Story, Story.id == Comment.story_id)
        .where(Comment.author_id == user_id)
        .order_by(Comment.id)
        .limit(LIMIT)
    ).all()
    return [(a, b, c) for a, b, c in rows]


def revisions(s: Session, user_id: int) -> list[CommentRevision]:
    return list(
        s.scalars(
            select(CommentRevision)
            .join(Comment, Comment.id == CommentRevision.comment_id)
            .where(Comment.author_id == user_id)
            .order_by(CommentRevision.id)
            .limit(LIMIT)
        )
    )


def sessions(s: Session, user_id: int) -> list[AuthSession]:
    return list(
        s.scalars(
            select(AuthSession)
            .where(AuthSession.user_id == user_id)
            .order_by(AuthSession.id)
            .limit(LIMIT)
        )
    )


def identities(s: Session, user_id: int) -> list[tuple[Identity, str]]:
    rows = s.execute(
        select(Identity, Site.name)
        .join(Site, Site.id == Identity.site_id)
        .where(Identity.user_id == user_id)
        .order_by(Identity.id)
    ).all()
    return [(a, b) for a, b in rows]


def import_identities(s: Session, user_id: int) -> list[ImportIdentity]:
    return list(
        s.scalars(
            select(ImportIdentity)
            .where(ImportIdentity.user_id == user_id)
            .order_by(ImportIdentity.id)
        )
    )


def reactions(s: Session, user_id: int) -> list[tuple[Reaction, int, str]]:
    rows = s.execute(
        select(Reaction, Comment.story_id, Story.url)
        .join(Comment, Comment.id == Reaction.comment_id)
        .join(Story, Story.id == Comment.story_id)
        .where(Reaction.user_id == user_id)
        .order_by(Reaction.created_at, Reaction.comment_id)
        .limit(LIMIT)
    ).all()
    return [(a, b, c) for a, b, c in rows]


def reports(s: Session, user_id: int) -> list[tuple[Report, int, str]]:
    rows = s.execute(
        select(Report, Comment.story_id, Story.url)
        .join(Comment, Comment.id == Report.comment_id)
        .join(Story, Story.id == Comment.story_id)
        .where(Report.reporter_id == user_id)
        .order_by(Report.id)
        .limit(LIMIT)
    ).all()
    return [(a, b, c) for a, b, c in rows]


def notifications(s: Session, user_id: int) -> list[tuple[Notification, str, str]]:
    rows = s.execute(
        select(Notification, Story.url, Story.title)
        .join(Story, Story.id == Notification.story_id)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id)
        .limit(LIMIT)
    ).all()
    return [(a, b, c) for a, b, c in rows]


def columns_naming_users() -> dict[str, list[str]]:
    """Every table's columns that point at users.id (for the test that keeps the list
    above honest)."""
    from veche.store.models import Base

    found: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        cols = [
            c.name
            for c in table.columns
            if any(fk.column.table.name == "users" for fk in c.foreign_keys)
        ]
        if cols:
            found[table.name] = cols
    return found
