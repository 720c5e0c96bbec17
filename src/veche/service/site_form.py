"""The admin's site form, made from the declared settings of every group: one field per
setting, its kind from its default, and a posted form read back into per-group changes.

A secret is never put in the page: its field is empty, says whether it is set, and replaces
the secret only when something is typed (or clears it when asked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from veche.domain.declared import Declared
from veche.domain.errors import InvalidInput
from veche.domain.site_settings import GROUPS, Group, group_of
from veche.i18n import gettext as _

FIELD_MAX = 20_000  # a pasted key or a long word list, not a flood
WORDS = {"sso": "SSO", "oidc": "OpenID", "jwks": "JWKS", "url": "URL", "id": "ID"}


class FormRefused(InvalidInput):
    """Some fields were refused; `errors` holds each one's message by field name."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        first = next(iter(errors.items()))
        super().__init__(first[1], field=first[0])
        self.errors = dict(errors)


@dataclass(frozen=True)
class FieldView:
    name: str  # the form's field: "moderation.premoderation"
    label: str
    help: str
    kind: str  # flag, choice, lines, long, secret, text
    value: str
    checked: bool = False
    choices: tuple[str, ...] = ()
    is_set: bool = False  # a secret's: there is one (its value is never shown)
    error: str | None = None

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


@dataclass(frozen=True)
class GroupView:
    key: str
    title: str
    fields: list[FieldView]


def label(name: str) -> str:
    """premod_approved → Premod approved; sso_jwks_url → SSO JWKS URL."""
    words = [WORDS.get(w, w) for w in name.split("_")]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def field_name(group: Group, d: Declared) -> str:
    return f"{group.key}.{d.name}"


def kind(d: Declared) -> str:
    if d.secret:
        return "secret"
    if isinstance(d.default, bool):
        return "flag"
    if isinstance(d.default, StrEnum):
        return "choice"
    if isinstance(d.default, tuple):
        return "lines"
    return "long" if d.file else "text"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return "\n".join(str(v) for v in value)
    if isinstance(value, StrEnum):
        return value.value
    return str(value)


def defaults() -> dict[str, Mapping[str, Any]]:
    """A new site's values, by group."""
    return {g.key: {d.name: d.default for d in g.settings} for g in GROUPS}


def current(site: Any) -> dict[str, Mapping[str, Any]]:
    return {g.key: g.values(site) for g in GROUPS}


def views(
    values: Mapping[str, Mapping[str, Any]],
    typed: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[GroupView]:
    """Every group's fields with the site's values, or, after a refusal, what was typed
    (never a typed secret) and each field's message. Titles, labels and help texts are
    English where declared and translated here (veche/i18n_extract.py finds them)."""
    out = []
    for g in GROUPS:
        fields = []
        for d in g.settings:
            name, how, value = field_name(g, d), kind(d), values[g.key].get(d.name)
            shown = _text(value)
            if typed is not None and how not in ("secret", "flag") and name in typed:
                shown = typed[name]
            checked = bool(value) if typed is None else name in typed
            fields.append(
                FieldView(
                    name=name, label=_(label(d.name)),
                    help=_(d.help).replace("`", ""), kind=how, value="" if how == "secret" else shown,
                    checked=checked and how == "flag",
                    choices=tuple(m.value for m in type(d.default)) if how == "choice" else (),
                    is_set=how == "secret" and bool(value), error=(errors or {}).get(name),
                )
            )  # fmt: skip
        out.append(GroupView(g.key, _(g.title), fields))
    return out


def _same(d: Declared, parsed: Any, now: Any) -> bool:
    if isinstance(parsed, tuple) and isinstance(now, list | tuple):
        return parsed == tuple(now)
    return bool(parsed == now)


def changes(
    form: Mapping[str, str], values: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, object]]:
    """What the posted form changes, by group: each field parsed on its own so every refusal
    is reported at once (FormRefused), and only what differs from `values`."""
    out: dict[str, dict[str, object]] = {}
    errors: dict[str, str] = {}
    for g in GROUPS:
        found: dict[str, object] = {}
        for d in g.settings:
            name, how = field_name(g, d), kind(d)
            raw: object
            if how == "flag":
                raw = "yes" if form.get(name) else "no"
            elif how == "secret":
                if form.get(name + ".clear"):
                    raw = None
                elif form.get(name, "").strip():
                    raw = form[name]
                else:
                    continue
            elif name in form:
                raw = form[name]
            else:
                continue
            if isinstance(raw, str) and len(raw) > FIELD_MAX:
                errors[name] = _("%(name)s is at most %(limit)s characters.") % {
                    "name": d.name,
                    "limit": FIELD_MAX,
                }
                continue
            try:
                parsed = d.parse(raw)
            except InvalidInput as exc:
                errors[name] = exc.message
                continue
            if how == "secret" or not _same(d, parsed, values[g.key].get(d.name)):
                found[d.name] = raw
        if found:
            out[g.key] = found
    if errors:
        raise FormRefused(errors)
    return out


def refused(exc: InvalidInput) -> FormRefused:
    """A refusal from applying the changes (one setting against another) as the form's."""
    if isinstance(exc, FormRefused):
        return exc
    group = group_of(exc.field)
    name = f"{group.key}.{exc.field}" if group is not None else "site"
    return FormRefused({name: exc.message})
