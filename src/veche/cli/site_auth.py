"""`veche site create/update` options for the sign-in settings, generated from
domain.site_auth: one option per setting, `--clear NAME` to unset one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from veche.domain.site_auth import SETTINGS, SiteAuth

_PREFIX = "auth_"
_OPTION = {d.name.replace("_", "-"): d.name for d in SETTINGS}


def auth_options(fn: Any) -> Any:
    """Adds the generated options; a FILE option reads its file, `-` reads standard input."""
    for d in reversed(SETTINGS):
        flag = "--" + d.name.replace("_", "-")
        if d.file:
            fn = click.option(
                flag, _PREFIX + d.name, default=None, metavar="FILE",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help=d.help.replace("`", ""),
            )(fn)  # fmt: skip
        else:
            fn = click.option(
                flag, _PREFIX + d.name, default=None,
                metavar="SECRET" if d.secret else "VALUE", help=d.help.replace("`", ""),
            )(fn)  # fmt: skip
    return click.option(
        "--clear", "auth_clear", multiple=True, type=click.Choice(sorted(_OPTION)),
        help="Unset a sign-in setting (repeatable), e.g. --clear sso-secret.",
    )(fn)  # fmt: skip


def auth_changes(opts: dict[str, Any]) -> dict[str, object]:
    """Takes this module's options out of `opts` (the rest are the caller's) and returns the
    site_auth changes they ask for: a value to set, or None to clear."""
    changes: dict[str, object] = {}
    for name in opts.pop("auth_clear", ()) or ():
        changes[_OPTION[name]] = None
    for d in SETTINGS:
        raw = opts.pop(_PREFIX + d.name, None)
        if raw is None:
            continue
        if isinstance(raw, Path):
            changes[d.name] = raw.read_text(encoding="utf-8")
        elif d.secret and raw == "-":
            changes[d.name] = sys.stdin.readline().strip()
        else:
            changes[d.name] = raw
    return changes


def auth_shown(site: Any) -> str:
    """The site's sign-in settings, secrets as set/not set."""
    shown = SiteAuth.from_stored(site.auth).shown()
    return " ".join(f"{k}={v}" for k, v in shown.items())
