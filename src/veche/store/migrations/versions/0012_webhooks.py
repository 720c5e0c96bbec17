"""Webhook endpoints: publishers' URLs told about comments, with their signing secrets.

Revision ID: 0012
Revises: 0011

Each row is one URL of one site, the events it subscribes to and the secret its deliveries
are signed with. Deliveries themselves are outbox rows (kind `webhook`, from 0007), which
are also their log. AUTOINCREMENT on SQLite: a removed endpoint's id is never handed out
again, so the log never mixes two endpoints under one id.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_webhook_endpoints_site", "webhook_endpoints", ["site_id"])


def downgrade() -> None:
    op.drop_table("webhook_endpoints")
