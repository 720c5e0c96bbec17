"""Indexes for live presence: who is online now, and which stories they wrote in.

Revision ID: 0004
Revises: 0003

The presence sweep asks both on a timer while streams are open; without them each question
is a scan of the whole users or comments table.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_users_last_seen_at", "users", ["last_seen_at"])
    op.create_index("ix_comments_author_story", "comments", ["author_id", "story_id"])


def downgrade() -> None:
    op.drop_index("ix_comments_author_story", table_name="comments")
    op.drop_index("ix_users_last_seen_at", table_name="users")
