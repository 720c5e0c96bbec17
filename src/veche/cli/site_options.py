"""`veche site create/update` options, generated from the declared settings
(domain/site_settings.py): one option each. The site's own settings keep their flag pairs,
sign-in settings their file and stdin options (cli/site_auth.py); every other group, present
or added later, gets `--NAME VALUE`."""

from __future__ import annotations

from typing import Any

import click

from veche.cli.site_auth import auth_changes, auth_options, auth_shown
from veche.cli.theme import theme_changes, theme_options, theme_shown
from veche.domain import moderation, site_basics
from veche.domain.declared import Declared
from veche.domain.site_settings import GROUPS, Group
from veche.service.stories import SiteSettings

_BASIC = "basic_"
_OWN = ("basics", "auth", "theme")  # the groups with options of their own making


def _dest(group: Group, d: Declared) -> str:
    return f"g_{group.key}__{d.name}"


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(value) or "none"
    return str(value)


def site_options(fn: Any) -> Any:
    fn = theme_options(fn)
    fn = auth_options(fn)
    for group in reversed([g for g in GROUPS if g.key not in _OWN]):
        for d in reversed(group.settings):
            fn = click.option(
                d.flag, _dest(group, d), default=None, metavar="VALUE",
                help=f"{d.help} (default: {_shown(d.default)})".replace("`", ""),
            )(fn)  # fmt: skip
    fn = click.option(
        "--remove-origin", "remove_origins", multiple=True, metavar="URL",
        help="Stop allowing an origin; repeatable.",
    )(fn)  # fmt: skip
    fn = click.option(
        "--origin", "add_origins", multiple=True, metavar="URL",
        help="Allow an origin (https://host[:port], no path) besides those allowed; repeatable.",
    )(fn)  # fmt: skip
    for d in reversed(site_basics.SETTINGS):
        help_ = d.help.replace("`", "")
        if isinstance(d.default, bool):
            fn = click.option(f"{d.flag}/--no-{d.flag[2:]}", _BASIC + d.name, default=None,
                              help=help_)(fn)  # fmt: skip
        elif isinstance(d.default, int):
            fn = click.option(d.flag, _BASIC + d.name, type=int, default=None, help=help_)(fn)
        else:
            metavar = "URL,URL" if isinstance(d.default, tuple) else "TEXT"
            fn = click.option(d.flag, _BASIC + d.name, default=None, metavar=metavar,
                              help=help_)(fn)  # fmt: skip
    return fn


def site_settings(opts: dict[str, Any]) -> SiteSettings:
    """The changes the given options ask for; those not given change nothing."""
    auth = auth_changes(opts)
    theme = theme_changes(opts)
    basics = {
        k[len(_BASIC) :]: v for k, v in opts.items() if k.startswith(_BASIC) and v is not None
    }
    groups: dict[str, dict[str, object]] = {}
    for group in GROUPS:
        for d in group.settings:
            value = opts.get(_dest(group, d))
            if value is not None:
                groups.setdefault(group.key, {})[d.name] = value
    if theme:
        groups["theme"] = theme
    return SiteSettings(
        basics=basics or None,
        auth=auth or None,
        groups=groups or None,
        add_origins=list(opts.get("add_origins") or ()) or None,
        remove_origins=list(opts.get("remove_origins") or ()) or None,
    )


def describe(site: Any) -> str:
    found = moderation.ModerationSettings.from_stored(site.moderation)
    return (
        f"site {site.name}: origins={','.join(site.allowed_origins) or '-'} "
        f"require_sign_in={site.require_sign_in} allow_guests={site.allow_guests} "
        f"edit_window={site.edit_window_seconds // 60}min max_length={site.max_comment_length}\n"
        "  moderation: "
        + " ".join(f"{d.name}={_shown(getattr(found, d.name))}" for d in moderation.SETTINGS)
        + "\n  sign-in: "
        + auth_shown(site)
        + "\n  theme: "
        + theme_shown(site)
        + (f"\n  title suffix: {site.title_suffix}" if site.title_suffix else "")
    )
