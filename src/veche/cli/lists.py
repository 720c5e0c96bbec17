"""`veche site list`, `story list` and `user list`: bounded, newest first, as a table for
people or as JSON (`--json`) for scripts. Password hashes are never shown; emails only with
`--show-email`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import unicodedata
from collections.abc import Sequence
from typing import Any

import click

from veche.cli.common import database, guard
from veche.domain.enums import Role
from veche.service.listing import LIMIT_MAX, Listing

TITLE_WIDTH = 60


def _cell(value: object, width: int | None = None) -> str:
    """One line of text: no control characters (a title cannot move the cursor), cut to
    `width` with an ellipsis."""
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in str(value))
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    head = "  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()
    return "\n".join([head, *lines])


def _json(rows: Sequence[Any]) -> str:
    def plain(value: object) -> object:
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).isoformat()
        return value

    return json.dumps(
        [{k: plain(v) for k, v in dataclasses.asdict(r).items()} for r in rows],
        ensure_ascii=False,
        indent=2,
    )


_as_json = click.option("--json", "as_json", is_flag=True, help="A JSON array, for scripts.")
_limit = click.option(
    "--limit", type=click.IntRange(1, LIMIT_MAX), default=50, show_default=True,
    help="At most this many, newest first.",
)  # fmt: skip


@click.command("list")
@_as_json
def site_list(as_json: bool) -> None:
    """Every site: its origins, title suffix, stories and comments."""
    rows = guard(Listing(database()).sites)
    if as_json:
        click.echo(_json(rows))
    elif not rows:
        click.echo("No sites yet: add one with `veche site create NAME --origin URL`.")
    else:
        table = [
            [
                _cell(r.name),
                str(r.stories),
                str(r.comments),
                _cell(r.title_suffix),
                _cell(" ".join(r.origins) or None),
            ]
            for r in rows
        ]
        click.echo(_table(["name", "stories", "comments", "title suffix", "origins"], table))


@click.command("list")
@click.option("--site", default=None, metavar="NAME", help="Only this site's stories.")
@click.option("--search", default=None, metavar="TEXT", help="In the title or the URL.")
@_limit
@_as_json
def story_list(site: str | None, search: str | None, limit: int, as_json: bool) -> None:
    """Stories, newest first: id (for open, close and title), comments, open or closed."""
    rows = guard(Listing(database()).stories, site=site, search=search, limit=limit)
    if as_json:
        click.echo(_json(rows))
    elif not rows:
        click.echo("No stories match." if search or site else "No stories yet.")
    else:
        table: list[list[str]] = []
        for r in rows:
            title = r.title + ("" if r.title_confirmed else " (provisional)")
            table.append([
                str(r.id), _cell(r.site), str(r.comments), "open" if r.is_open else "closed",
                _cell(r.created_at), _cell(title, TITLE_WIDTH), _cell(r.url),
            ])  # fmt: skip
        header = ["id", "site", "comments", "state", "created", "title", "url"]
        click.echo(_table(header, table))
        if len(rows) == limit:
            click.echo(f"(the newest {limit}; narrow with --search or raise --limit)")


@click.command("list")
@click.option("--search", default=None, metavar="TEXT", help="In the handle, name or email.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=None)
@click.option("--show-email", is_flag=True, help="Show email addresses (personal data).")
@_limit
@_as_json
def user_list(
    search: str | None, role: str | None, show_email: bool, limit: int, as_json: bool
) -> None:
    """Accounts, newest first: role, state, live sessions, last seen."""
    rows = guard(
        Listing(database()).users,
        search=search, role=Role(role) if role else None, limit=limit, with_email=show_email,
    )  # fmt: skip
    if as_json:
        click.echo(_json(rows))
        return
    if not rows:
        click.echo("No users match." if search or role else "No users yet.")
        return
    header = ["id", "handle", "name", "role", "state", "sessions", "created", "last seen"]
    if show_email:
        header.append("email")
    table: list[list[str]] = []
    for r in rows:
        row = [
            str(r.id), _cell(r.handle), _cell(r.display_name), r.role.value, r.state,
            str(r.sessions), _cell(r.created_at), _cell(r.last_seen_at),
        ]  # fmt: skip
        if show_email:
            row.append(_cell(r.email))
        table.append(row)
    click.echo(_table(header, table))
    if len(rows) == limit:
        click.echo(f"(the newest {limit}; narrow with --search or raise --limit)")
