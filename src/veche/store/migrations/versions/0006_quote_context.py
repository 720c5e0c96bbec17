"""Quote coverage, and every stored quote judged again by the word-boundary rules.

Revision ID: 0006
Revises: 0005

Quotes were "verified" when their text was any substring of the source ("rig" in "rigged").
Upgrading adds `comments.quote_coverage` (the quote's words as a percent of its source's) and
re-judges each quote against what its source shows now with `veche.domain.quotes.recheck`, a
pure function of the two texts and the stored state, so the new states (too_short,
out_of_context, source_edited) apply to old quotes too. A quote stored as altered may have
been verified before an edit (the old rules made that altered): that history was not kept,
so it stays altered unless its words are in the source now. Downgrading maps the new states
back to the nearest old one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from veche.domain.enums import QuoteState
from veche.domain.quotes import recheck

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_comments = sa.table(
    "comments",
    sa.column("id", sa.Integer),
    sa.column("story_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("body_text", sa.Text),
    sa.column("quote_source", sa.String),
    sa.column("quote_comment_id", sa.Integer),
    sa.column("quote_text", sa.Text),
    sa.column("quote_state", sa.String),
    sa.column("quote_coverage", sa.Integer),
)
_stories = sa.table(
    "stories", sa.column("id", sa.Integer), sa.column("title", sa.String),
    sa.column("body_text", sa.Text),
)  # fmt: skip
_OLD_STATES = {
    QuoteState.out_of_context: QuoteState.verified,
    QuoteState.too_short: QuoteState.verified,
    QuoteState.source_edited: QuoteState.altered,
}


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("quote_coverage", sa.Integer(), nullable=True))
    _rejudge_all()


def _rejudge_all() -> None:
    bind = op.get_bind()
    source = _comments.alias("source")
    shown = sa.case(
        (
            _comments.c.quote_source == "story",
            sa.func.coalesce(_stories.c.body_text, _stories.c.title),
        ),
        (source.c.status == "visible", source.c.body_text),
        else_=sa.null(),
    )
    rows = bind.execute(
        sa.select(_comments.c.id, _comments.c.quote_text, _comments.c.quote_state, shown)
        .select_from(
            _comments.join(_stories, _stories.c.id == _comments.c.story_id).outerjoin(
                source, source.c.id == _comments.c.quote_comment_id
            )
        )
        .where(_comments.c.quote_state.is_not(None))
    ).all()
    for row_id, text, state, source_text in rows:
        # The old verified meant "in the source as it reads now": judge it as new.
        before = None if state == QuoteState.verified else QuoteState(state)
        verdict = recheck(text or "", source_text, before, None)
        bind.execute(
            sa.update(_comments)
            .where(_comments.c.id == row_id)
            .values(quote_state=verdict.state.value, quote_coverage=verdict.coverage)
        )


def downgrade() -> None:
    for new, old in _OLD_STATES.items():
        op.execute(
            sa.update(_comments)
            .where(_comments.c.quote_state == new.value)
            .values(quote_state=old.value)
        )
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("quote_coverage")
