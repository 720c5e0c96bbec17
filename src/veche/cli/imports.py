"""`veche import SOURCE FILE`: one command per source in importers/sources.py, each through
the one loader, with a progress bar and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from veche.cli.common import Fail, database, guard
from veche.importers.loader import ImportReport
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories


@click.group("import")
def import_() -> None:
    """Bring discussions in from elsewhere."""


def _ensure_default_site(rt: Runtime) -> None:
    from veche.store import stories as store_stories

    with rt.db.session(write=False) as s:
        exists = store_stories.site_by_name(s, "default") is not None
    if not exists:
        Stories(rt).create_site("default", SiteSettings(allowed_origins=[rt.config.base_url]))


def run_import(name: str, file: Path, *, site_name: str, strict: bool, url: str | None) -> None:
    from veche.importers.loader import ImportFailed, load
    from veche.importers.progress import RichProgress
    from veche.importers.sources import SOURCES, Opening, SourceError

    rt = database()
    try:
        source = SOURCES[name].open(file, Opening(rt.config.base_url, url))
    except (SourceError, OSError) as exc:
        raise Fail(str(exc)) from exc
    if site_name == "default":
        _ensure_default_site(rt)
    out = Console(soft_wrap=True)
    try:
        with RichProgress() as progress:
            report = guard(load, rt, source, site_name=site_name, strict=strict, progress=progress)
    except Fail as exc:
        cause = exc.__cause__
        if isinstance(cause, ImportFailed):
            _print(out, cause.report)
        raise
    except SourceError as exc:  # the file broke off midway: what was read is written
        raise Fail(f"{file}: {exc}") from exc
    _print(out, report)
    for story_id in report.story_ids[:10]:
        click.echo(f"/stories/{story_id}")
    if len(report.story_ids) > 10:
        click.echo(f"… and {len(report.story_ids) - 10} more stories")


def _print(out: Console, report: ImportReport) -> None:
    from veche.importers.progress import skipped_lines, summary

    out.print(summary(report))
    for line in skipped_lines(report):
        click.echo(line)


def _command(name: str, help_text: str, takes_url: bool) -> click.Command:
    def command(file: Path, site_name: str, strict: bool, url: str | None = None) -> None:
        run_import(name, file, site_name=site_name, strict=strict, url=url)

    params: list[Any] = [
        click.Argument(["file"], type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.Option(
            ["--site", "site_name"], default="default", show_default=True,
            help="The site to import into (`default` is created if missing).",
        ),
        click.Option(
            ["--strict"], is_flag=True,
            help="Fail on the first record that cannot be taken, instead of skipping it.",
        ),
    ]  # fmt: skip
    if takes_url:
        params.append(click.Option(["--url"], default=None, help="The story's canonical URL."))
    return click.Command(name, callback=command, params=params, help=help_text)


def _register() -> None:
    from veche.importers.sources import SOURCES

    for name, source in SOURCES.items():
        import_.add_command(_command(name, source.help, source.takes_url))


_register()
