"""Where imported rows came from (issue 8): import-only identities for foreign authors, and
the source's ids of stories and comments, so a re-run finds what it wrote and changes only
what the source changed. Kept apart from the thread's own tables in models.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from veche.store.models import Base, UTCDateTime


class ImportIdentity(Base):
    """A foreign author, keyed by (source, their id there). Its user has no password and no
    e-mail, so nobody signs in as it; the source's address is kept here only."""

    __tablename__ = "import_identities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(255), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    url: Mapped[str | None] = mapped_column(String(2048), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_import_identities_key", "source", "external_id", unique=True),
        Index("ix_import_identities_user", "user_id"),
    )


class ImportedStoryRef(Base):
    """A source's thread, by its id there, and the story it became."""

    __tablename__ = "import_stories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(2048))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))

    __table_args__ = (
        Index("ix_import_stories_key", "source", "external_id", unique=True),
        Index("ix_import_stories_story", "story_id"),
    )


class ImportedCommentRef(Base):
    """A source's comment, by its id there (unique within its story), the comment it became,
    and a digest of what the source said last time: a re-run changes only what the source
    changed, not what moderators here did since."""

    __tablename__ = "import_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(255))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    body_digest: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        Index("ix_import_comments_key", "source", "story_id", "external_id", unique=True),
        Index("ix_import_comments_comment", "comment_id"),
    )
