"""Publisher SSO: the jti of every exchanged token until it expires, and members' avatars.

Revision ID: 0008
Revises: 0007

`sso_used_tokens` makes an SSO token single-use across all nodes: its (site, SHA-256 of jti)
is inserted before a session is opened, and a second insert of the same pair fails. Rows
are deleted once the token has expired (it could not be exchanged anyway). `users.avatar_url`
holds the avatar a publisher's token names (https only).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("avatar_url", sa.String(2048), nullable=True))
    op.create_table(
        "sso_used_tokens",
        sa.Column(
            "site_id",
            sa.Integer(),
            sa.ForeignKey("sites.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("jti_hash", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sso_used_tokens_expires_at", "sso_used_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("sso_used_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("avatar_url")
