"""Notifications (replies and mentions) and each member's choice of notification mail.

Revision ID: 0011
Revises: 0010

`notifications` has one row per (member, kind, comment): the follower of the events feed
may see an event twice, the unique index keeps the member from being told twice.
`users.notify_mail` is immediate, digest or off; `users.digest_sent_at` when the last
daily digest went out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "notify_mail",
                sa.Enum("immediate", "digest", "off", name="mail_mode", native_enum=False, length=20),
                nullable=False,
                server_default="immediate",
            )
        )  # fmt: skip
        batch.add_column(sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "kind",
            sa.Enum("reply", "mention", name="notification_kind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "comment_id",
            sa.Integer(),
            sa.ForeignKey("comments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "story_id",
            sa.Integer(),
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "actor_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "mail",
            sa.Enum(
                "none", "queued", "digest", "sent", name="mail_state", native_enum=False,
                length=20,
            ),
            nullable=False,
            server_default="none",
        ),
    )  # fmt: skip
    op.create_index(
        "ix_notifications_once", "notifications", ["user_id", "kind", "comment_id"], unique=True
    )
    op.create_index("ix_notifications_user_created", "notifications", ["user_id", "created_at"])
    op.create_index("ix_notifications_user_read", "notifications", ["user_id", "read_at"])
    op.create_index("ix_notifications_mail", "notifications", ["mail", "user_id"])


def downgrade() -> None:
    op.drop_table("notifications")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("digest_sent_at")
        batch.drop_column("notify_mail")
