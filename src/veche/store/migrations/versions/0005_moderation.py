"""Moderation: site settings, bans, decisions on comments, reports and the audit log.

Revision ID: 0005
Revises: 0004

The audit log is append-only by trigger on both engines, so no endpoint, script or bug can
edit or delete an entry through veche's own connection.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SQLITE_GUARDS = [
    f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""
    for verb in ("UPDATE", "DELETE")
]
_PG_GUARD = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("moderation", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("handle_skeleton", sa.String(160), nullable=True))
        batch.add_column(sa.Column("name_skeleton", sa.String(320), nullable=True))
        batch.add_column(sa.Column("banned_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("banned_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ban_reason", sa.String(500), nullable=True))
        batch.add_column(
            sa.Column("shadow_banned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("premoderated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_users_handle_skeleton", ["handle_skeleton"])
        batch.create_index("ix_users_name_skeleton", ["name_skeleton"])
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("flags", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("held_by", sa.String(20), nullable=True))
        batch.add_column(sa.Column("mod_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("open_reports", sa.Integer(), nullable=False, server_default="0")
        )
        decider = sa.ForeignKey("users.id", name="fk_comments_decided_by")
        batch.add_column(sa.Column("decided_by", sa.Integer(), decider, nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("mod_reason", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("status_before", sa.String(20), nullable=True))
        batch.add_column(sa.Column("featured_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_comments_status_created", ["status", "created_at"])
        batch.create_index("ix_comments_open_reports", ["open_reports"])
        batch.create_index("ix_comments_decided_at", ["decided_at"])
        batch.create_index("ix_comments_story_featured", ["story_id", "featured_at"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "comment_id", sa.Integer(), sa.ForeignKey("comments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "reporter_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    )  # fmt: skip
    op.create_index(
        "ix_reports_comment_reporter", "reports", ["comment_id", "reporter_id"], unique=True
    )
    op.create_index("ix_reports_created_at", "reports", ["created_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor", sa.String(40), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target_kind", sa.String(20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_at", "audit_log", ["at"])
    op.create_index("ix_audit_actor_at", "audit_log", ["actor_id", "at"])
    op.create_index("ix_audit_target", "audit_log", ["target_kind", "target_id"])
    _backfill_skeletons()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARD)
    else:
        for guard in _SQLITE_GUARDS:
            op.execute(guard)


def _backfill_skeletons() -> None:
    """Members who signed up before: their names must be known to the look-alike check."""
    from veche.moderation.confusables import name_key

    users = sa.table(
        "users", sa.column("id", sa.Integer()), sa.column("handle", sa.String()),
        sa.column("display_name", sa.String()), sa.column("handle_skeleton", sa.String()),
        sa.column("name_skeleton", sa.String()),
    )  # fmt: skip
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.handle, users.c.display_name)).all()
    for user_id, handle, name in rows:
        conn.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(
                handle_skeleton=name_key(handle), name_skeleton=name_key(name) if name else None
            )
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("reports")
    with op.batch_alter_table("comments") as batch:
        for index in (
            "ix_comments_story_featured", "ix_comments_decided_at", "ix_comments_open_reports",
            "ix_comments_status_created",
        ):  # fmt: skip
            batch.drop_index(index)
        for column in (
            "featured_at", "status_before", "mod_reason", "decided_at", "decided_by",
            "open_reports", "mod_version", "held_by", "flags",
        ):  # fmt: skip
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_name_skeleton")
        batch.drop_index("ix_users_handle_skeleton")
        for column in (
            "premoderated", "shadow_banned", "ban_reason", "banned_until", "banned_at",
            "name_skeleton", "handle_skeleton",
        ):  # fmt: skip
            batch.drop_column(column)
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("moderation")
