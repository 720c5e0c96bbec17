"""Changes to a site's settings, by group (domain/site_settings.py), and how they are applied;
the CLI, the admin form and tests build a SiteSettings, Stories.create_site/update_site apply it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from veche.domain.errors import NotFound
from veche.domain.site_basics import one_origin
from veche.domain.site_settings import GROUPS
from veche.i18n import gettext as _
from veche.store.models import Site


@dataclass(frozen=True)
class SiteSettings:
    """Changes to a site: each group of domain.site_settings by its key (names → raw values,
    parsed by the declarations), and a few typed shortcuts for the site's own settings."""

    basics: Mapping[str, object] | None = None  # domain.site_basics names → raw values
    moderation: Mapping[str, object] | None = None  # domain.moderation names → raw values
    auth: Mapping[str, object] | None = None  # domain.site_auth names → raw values (None clears)
    theme: Mapping[str, object] | None = None  # domain.theme names → raw values (None clears)
    allowed_origins: list[str] | None = None  # replaces the list (basics' origins)
    require_sign_in: bool | None = None
    allow_guests: bool | None = None
    max_comment_length: int | None = None
    title_suffix: str | None = None  # "" forgets it (domain/titles.py)
    add_origins: list[str] | None = None  # added to the allowed origins
    remove_origins: list[str] | None = None  # taken from them; each must be there
    groups: Mapping[str, Mapping[str, object]] | None = None  # any group's, by its key (forms)
    language: str | None = None  # domain.language: the site's default language

    def changes(self) -> dict[str, Mapping[str, object]]:
        """By group key, only the groups with something to change."""
        basics = dict(self.basics or {})
        shortcuts = {
            "origins": self.allowed_origins, "require_sign_in": self.require_sign_in,
            "allow_guests": self.allow_guests, "max_length": self.max_comment_length,
            "title_suffix": self.title_suffix,
        }  # fmt: skip
        basics.update({k: v for k, v in shortcuts.items() if v is not None})
        given: dict[str, Mapping[str, object]] = {"basics": basics}
        if self.language is not None:  # a shortcut for the language group's one setting
            given["language"] = {"language": self.language}
        out: dict[str, Mapping[str, object]] = {}
        for group in GROUPS:
            found = dict(given.get(group.key) or getattr(self, group.key, None) or {})
            found.update((self.groups or {}).get(group.key, {}))
            if found:
                out[group.key] = found
        return out


def apply(site: Site, settings: SiteSettings) -> None:
    """Every group's changes, then the origins added and taken away; the caller's
    transaction rolls all of it back on a refusal."""
    by_key = {g.key: g for g in GROUPS}
    for key, changes in settings.changes().items():
        by_key[key].apply(site, changes)
    _apply_origins(site, settings)


def _apply_origins(site: Site, settings: SiteSettings) -> None:
    """Add, then remove; every origin is checked first."""
    if not settings.add_origins and not settings.remove_origins:
        return
    origins = set(site.allowed_origins)
    origins |= {one_origin(o) for o in settings.add_origins or ()}
    for o in settings.remove_origins or ():
        gone = one_origin(o)
        if gone not in origins:
            raise NotFound(
                _("Site %(name)s does not allow %(gone)s.") % {"name": site.name, "gone": gone}
            )
        origins.discard(gone)
    site.allowed_origins = sorted(origins)
