"""Accounts that can recover: one-time mailed tokens, sign-in throttling, erasure.

Revision ID: 0010
Revises: 0008

`account_tokens` holds the SHA-256 of each mailed link (verify an address, reset a
password, sign in once) with its expiry and the time it was used. `signin_throttle` counts
failed sign-ins per account in the database every node shares. `users` gains
`email_verified_at`, `hide_presence` (presence is opt-out) and `deleted_at`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("hide_presence", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_account_tokens_user", "account_tokens", ["user_id", "purpose"])
    op.create_table(
        "signin_throttle",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_signin_throttle_updated", "signin_throttle", ["updated_at"])
    op.create_index("ix_comments_author_id", "comments", ["author_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_comments_author_id", "comments")
    op.drop_index("ix_signin_throttle_updated", "signin_throttle")
    op.drop_table("signin_throttle")
    op.drop_index("ix_account_tokens_user", "account_tokens")
    op.drop_table("account_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("hide_presence")
        batch.drop_column("email_verified_at")
