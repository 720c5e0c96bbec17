"""`veche export`: a site or a story as JSON (docs/export.md), or one person's data."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import click

from veche.cli.common import database, guard


@contextmanager
def _output(out: str, *, private: bool) -> Iterator[TextIO]:
    """Standard output, or a file that appears whole or not at all: written beside its
    place, then renamed. `private`: readable by its owner alone (it holds personal data)."""
    if out == "-":
        yield sys.stdout
        return
    target = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        if not private:
            os.chmod(tmp, 0o644)
        with open(fd, "w", encoding="utf-8") as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _writable(out: str) -> None:
    if out != "-" and not Path(out).parent.resolve().is_dir():
        raise click.BadParameter(f"{Path(out).parent} is not a directory.", param_hint="--out")


@click.command("export")
@click.option("--site", "site_name", default=None, metavar="NAME", help="Export a whole site.")
@click.option("--story", default=None, metavar="URL_OR_ID", help="Export one story.")
@click.option(
    "--user", "handle", default=None, metavar="HANDLE",
    help="Export everything kept about one person (GDPR access), email included.",
)  # fmt: skip
@click.option(
    "--out", default="-", show_default=True, metavar="FILE", help="Where to write; - is stdout."
)
def export(site_name: str | None, story: str | None, handle: str | None, out: str) -> None:
    """Write a site or a story as versioned JSON that `veche import veche` reads back, or one
    person's data. No password hash, token or secret is ever written."""
    given = [x for x in (site_name, story, handle) if x is not None]
    if len(given) != 1:
        raise click.UsageError("Give one of --site NAME, --story URL_OR_ID or --user HANDLE.")
    _writable(out)
    rt = database()
    from veche.service.export import Export, Written
    from veche.service.personal_data import PersonalData

    if handle is not None:
        people = PersonalData(rt)
        data = guard(people.of, guard(people.user_id, handle))
        with _output(out, private=True) as f:
            f.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        if out != "-":
            click.echo(f"Wrote the data of {data['profile']['handle']} to {out}.", err=True)
        return
    exporter = Export(rt)
    write: Callable[[TextIO], Written]
    if site_name is not None:
        write = lambda f: exporter.site(site_name, f)  # noqa: E731
    else:
        assert story is not None
        write = lambda f: exporter.story(story, f)  # noqa: E731
    with _output(out, private=False) as f:
        done = guard(write, f)
    where = "" if out == "-" else f" to {out}"
    click.echo(f"Exported {done.stories} stories, {done.comments} comments{where}.", err=True)
