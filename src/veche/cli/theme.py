"""`veche site create/update --theme-…` options, generated from domain.theme: one option per
setting, `--clear-theme NAME` to unset one (back to veche.css's default)."""

from __future__ import annotations

from typing import Any

import click

from veche.domain.theme import SETTINGS, ThemeSettings

_PREFIX = "theme_"
_OPTION = {d.name.replace("_", "-"): d.name for d in SETTINGS}


def theme_options(fn: Any) -> Any:
    for d in reversed(SETTINGS):
        fn = click.option(
            "--theme-" + d.name.replace("_", "-"), _PREFIX + d.name, default=None,
            metavar="CSS", help=d.help.replace("`", ""),
        )(fn)  # fmt: skip
    return click.option(
        "--clear-theme", "theme_clear", multiple=True, type=click.Choice(sorted(_OPTION)),
        help="Unset a theme setting (repeatable), e.g. --clear-theme accent.",
    )(fn)  # fmt: skip


def theme_changes(opts: dict[str, Any]) -> dict[str, object]:
    """Takes this module's options out of `opts` (the rest are the caller's) and returns the
    theme changes they ask for: a value to set, or None to clear."""
    changes: dict[str, object] = {}
    for name in opts.pop("theme_clear", ()) or ():
        changes[_OPTION[name]] = None
    for d in SETTINGS:
        raw = opts.pop(_PREFIX + d.name, None)
        if raw is not None:
            changes[d.name] = raw
    return changes


def theme_shown(site: Any) -> str:
    shown = ThemeSettings.from_stored(site.theme).as_stored()
    return " ".join(f"{k}={v}" for k, v in shown.items()) or "veche's default"
