"""The outbox (mail and webhooks sent after commit, with retries) and outside identities.

Revision ID: 0007
Revises: 0006

`outbox` holds every message veche owes the outside world: a row is written in the same
transaction as the change that caused it, and a worker delivers it later with backoff, so
no request waits on SMTP or a publisher's server and nothing is lost to a crash. Its rows
are also the delivery log. `identities` ties a member to an account elsewhere (a
publisher's SSO, an OpenID provider), keyed by (site, provider, subject), so a change of
handle there follows the same member here. `sites.auth` holds the site's sign-in settings.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("auth", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column(
            "site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("target", sa.String(2048), nullable=False),
        sa.Column("dedupe_key", sa.String(160), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_site_kind", "outbox", ["site_id", "kind", "created_at"])
    op.create_index("ix_outbox_dedupe", "outbox", ["dedupe_key"], unique=True)
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_identities_subject", "identities", ["site_id", "provider", "subject"], unique=True
    )
    op.create_index("ix_identities_user", "identities", ["user_id"])


def downgrade() -> None:
    op.drop_table("identities")
    op.drop_table("outbox")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("auth")
