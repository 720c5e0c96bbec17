"""Every per-site setting, in its groups: the one table the admin form, the `veche site`
options and docs/sites.md are made from. A new group of declared settings is one line in
GROUPS (its values and how it is applied to a site beside it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from veche.domain import language, moderation, site_auth, site_basics, theme
from veche.domain.declared import Declared
from veche.domain.errors import InvalidInput
from veche.i18n import N_
from veche.i18n import gettext as _


@dataclass(frozen=True)
class Group:
    key: str  # the SiteSettings field that takes its changes; the form's name prefix
    title: str  # English, marked for the catalog: the form shows it with `_()`
    settings: tuple[Declared, ...]
    values: Callable[[Any], Mapping[str, Any]]  # a site's current values, by name
    apply: Callable[[Any, Mapping[str, object]], None]  # parses changes into a site
    prefix: str = ""  # the CLI options' (`--theme-accent`)

    def flag(self, d: Declared) -> str:
        return "--" + self.prefix + d.flag[2:]


def _moderation_values(site: Any) -> Mapping[str, Any]:
    found = moderation.ModerationSettings.from_stored(site.moderation)
    return {f.name: getattr(found, f.name) for f in fields(found)}


def _moderation_apply(site: Any, changes: Mapping[str, object]) -> None:
    site.moderation = moderation.updated(site.moderation, changes)


def _auth_values(site: Any) -> Mapping[str, Any]:
    found = site_auth.SiteAuth.from_stored(site.auth)
    return {f.name: getattr(found, f.name) for f in fields(found)}


def _auth_apply(site: Any, changes: Mapping[str, object]) -> None:
    site.auth = site_auth.updated(site.auth, changes)


def _basics_values(site: Any) -> Mapping[str, Any]:
    return site_basics.SiteBasics.of(site).values()


def _theme_values(site: Any) -> Mapping[str, Any]:
    found = theme.ThemeSettings.from_stored(site.theme)
    return {f.name: getattr(found, f.name) for f in fields(found)}


def _theme_apply(site: Any, changes: Mapping[str, object]) -> None:
    site.theme = theme.updated(site.theme, changes)


def _language_values(site: Any) -> Mapping[str, Any]:
    return {"language": site.language}


def _language_apply(site: Any, changes: Mapping[str, object]) -> None:
    for name, raw in changes.items():
        if name != "language":
            raise InvalidInput(
                _("There is no language setting “%(name)s”.") % {"name": name}, field=name
            )
        site.language = language.parse_language(raw)


GROUPS: tuple[Group, ...] = (
    Group("basics", N_("The site"), site_basics.SETTINGS, _basics_values, site_basics.apply),
    Group(
        "moderation", N_("Moderation"), moderation.SETTINGS, _moderation_values, _moderation_apply
    ),
    Group("auth", N_("Sign-in"), site_auth.SETTINGS, _auth_values, _auth_apply),
    Group("language", N_("Language"), language.SETTINGS, _language_values, _language_apply),
    Group("theme", N_("Theme"), theme.SETTINGS, _theme_values, _theme_apply, prefix="theme-"),
)


def group_of(field: str | None) -> Group | None:
    """The group a setting's name belongs to (a refusal names its field)."""
    return next((g for g in GROUPS for d in g.settings if d.name == field), None)


def shown_default(d: Declared) -> str:
    value = d.default
    if isinstance(value, tuple):
        return "; ".join(value) or "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "(not set)"
    return str(value)


def docs_table() -> str:
    """docs/sites.md's tables, one per group (a test keeps the two the same)."""
    out: list[str] = []
    for g in GROUPS:
        out += [f"### {g.title}", "", "| setting | CLI option | default | meaning |"]
        out.append("|---|---|---|---|")
        for d in g.settings:
            if isinstance(d.default, bool) and g.key == "basics":
                option = f"{d.flag}/--no-{d.flag[2:]}"
            else:
                option = g.flag(d) + (" FILE" if d.file else " VALUE")
            note = " Never shown back." if d.secret else ""
            help_ = d.help.replace("|", "\\|")
            out.append(f"| `{d.name}` | `{option}` | {shown_default(d)} | {help_}.{note} |")
        out.append("")
    return "\n".join(out)


def _plain(value: Any) -> Any:
    """JSON-ready, for the audit log."""
    if isinstance(value, tuple):
        return list(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def snapshot(site: Any, names: Mapping[str, Any]) -> dict[str, Any]:
    """The site's values of the named settings of each group ("moderation.reasons": [...]),
    secrets as set or not set: the audit log keeps no secret."""
    out: dict[str, Any] = {}
    for g in GROUPS:
        wanted = names.get(g.key)
        if not wanted:
            continue
        values = g.values(site)
        secret = {d.name for d in g.settings if d.secret}
        for name in wanted:
            value = values.get(name)
            if name in secret:
                value = "set" if value else "not set"
            out[f"{g.key}.{name}"] = _plain(value)
    return out
