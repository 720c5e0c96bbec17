"""A site's theme, each setting declared once: the CSS custom properties veche.css reads.

The declarations generate the `veche site create/update --theme-…` options and the table in
docs/theming.md; the values live in the site's `theme` JSON column, only what was set, and
reach pages as `/sites/{name}/theme.css` (web/theme.py). Every value is parsed as CSS by
tinycss2 and written back from the parsed token, never as given, so a value cannot close
the rule it sits in: `red;}</style><script>` is refused, not escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import tinycss2
import tinycss2.ast
import tinycss2.color4

from veche.domain.declared import Declared, declared
from veche.domain.declared import setting as _setting
from veche.domain.errors import InvalidInput
from veche.i18n import gettext as _

VALUE_MAX = 200
FAMILIES_MAX = 10
# CSS-wide keywords are not families: `font-family: inherit` would be another property's job.
_NOT_FAMILIES = frozenset({"inherit", "initial", "unset", "revert", "revert-layer", "default"})
_UNITS = {"px": 64.0, "rem": 4.0, "em": 4.0}  # unit -> the largest value taken


def _too_long(name: str) -> InvalidInput:
    message = _("%(name)s is at most %(limit)s characters.")
    return InvalidInput(message % {"name": name, "limit": VALUE_MAX}, field=name)


def _component(raw: object, name: str) -> tinycss2.ast.Node:
    """One CSS component value (a colour, a length), comments and whitespace around it off."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput(_("%(name)s is a CSS value.") % {"name": name}, field=name)
    if len(raw) > VALUE_MAX:
        raise _too_long(name)
    node = tinycss2.parse_one_component_value(raw, skip_comments=True)
    if node.type == "error":
        raise InvalidInput(
            _("%(name)s: %(value)s is not one CSS value.") % {"name": name, "value": repr(raw)},
            field=name,
        )
    return node


def _colour(name: str) -> Callable[[object], str | None]:
    def parse(raw: object) -> str | None:
        if raw is None or raw == "":
            return None
        node = _component(raw, name)
        if tinycss2.color4.parse_color(node) is None:
            raise InvalidInput(
                _("%(name)s: %(value)s is not a CSS colour (e.g. #0b57a4, rgb(11 87 164), navy).")
                % {"name": name, "value": repr(raw)},
                field=name,
            )
        return str(node.serialize())

    return parse


def _length(name: str) -> Callable[[object], str | None]:
    """0, or a length in px, rem or em (a radius or a spacing unit), within reason."""

    def parse(raw: object) -> str | None:
        if raw is None or raw == "":
            return None
        node = _component(raw, name)
        if node.type == "number" and node.value == 0:
            return "0"
        unit = node.lower_unit if node.type == "dimension" else None
        if unit not in _UNITS or not 0 <= node.value <= _UNITS[unit]:
            raise InvalidInput(
                _("%(name)s: %(value)s is not a length from 0 to 64px, 4rem or 4em.")
                % {"name": name, "value": repr(raw)},
                field=name,
            )
        return f"{node.representation}{unit}"

    return parse


def _family(tokens: list[tinycss2.ast.Node], name: str, raw: str) -> str:
    """One family: a quoted name, or names as identifiers (`Georgia`, `Times New Roman`)."""
    words = [t for t in tokens if t.type not in ("whitespace", "comment")]
    bad = InvalidInput(
        _(
            '%(name)s: %(value)s is not a list of font families (e.g. Georgia, "Times New Roman", serif).'
        )
        % {"name": name, "value": repr(raw)},
        field=name,
    )
    if len(words) == 1 and words[0].type == "string":
        text = " ".join(words[0].value.split())
        if not text or not all(ch.isalnum() or ch in " -_." for ch in text):
            raise bad
        return f'"{text}"'
    if not words or any(w.type != "ident" for w in words):
        raise bad
    idents = [w.value for w in words]
    if not all(i.replace("-", "").replace("_", "").isalnum() for i in idents):
        raise bad
    if len(idents) == 1 and idents[0].lower() in _NOT_FAMILIES:
        raise bad
    return " ".join(idents)


def _font(name: str) -> Callable[[object], str | None]:
    def parse(raw: object) -> str | None:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str) or len(raw) > VALUE_MAX:
            raise _too_long(name)
        families: list[list[tinycss2.ast.Node]] = [[]]
        for token in tinycss2.parse_component_value_list(raw, skip_comments=True):
            if token.type == "literal" and token.value == ",":
                families.append([])
            else:
                families[-1].append(token)
        if len(families) > FAMILIES_MAX:
            raise InvalidInput(
                _("%(name)s names at most %(max)s families.") % {"name": name, "max": FAMILIES_MAX},
                field=name,
            )
        return ", ".join(_family(f, name, raw) for f in families)

    return parse


_LIGHT = "the light scheme's"
_DARK = "the dark scheme's"


@dataclass(frozen=True)
class ThemeSettings:
    """One site's theme: None leaves veche.css's default (or, for the embed's font, the
    publisher's page's)."""

    font: str | None = _setting(
        None,
        "font families, e.g. `Georgia, serif` (default: the embed inherits its page's font, "
        "veche's pages use the system's)",
        _font("font"),
    )
    radius: str | None = _setting(
        None, "corner radius of buttons, fields and boxes, e.g. `6px` (default 4px)",
        _length("radius"),
    )  # fmt: skip
    spacing: str | None = _setting(
        None, "the spacing unit gaps and indents are multiples of, e.g. `1.2rem` (default 1rem)",
        _length("spacing"),
    )  # fmt: skip
    text: str | None = _setting(None, f"{_LIGHT} text colour (#1d1d1f)", _colour("text"))
    muted: str | None = _setting(
        None, f"{_LIGHT} secondary text: times, counts, notes (#555555)", _colour("muted")
    )
    background: str | None = _setting(
        None, f"{_LIGHT} page background (#fafaf8)", _colour("background")
    )
    surface: str | None = _setting(
        None, f"{_LIGHT} boxes on the page: quotes, panels, the sign-in gate (#eef3f8)",
        _colour("surface"),
    )  # fmt: skip
    accent: str | None = _setting(None, f"{_LIGHT} links and buttons (#0b57a4)", _colour("accent"))
    on_accent: str | None = _setting(
        None, f"{_LIGHT} text on accent-coloured buttons (#ffffff)", _colour("on_accent")
    )
    danger: str | None = _setting(None, f"{_LIGHT} errors (#aa1111)", _colour("danger"))
    border: str | None = _setting(None, f"{_LIGHT} rules and borders (#dddddd)", _colour("border"))
    dark_text: str | None = _setting(None, f"{_DARK} text colour (#e8e6e3)", _colour("dark_text"))
    dark_muted: str | None = _setting(
        None, f"{_DARK} secondary text (#aeb4bb)", _colour("dark_muted")
    )
    dark_background: str | None = _setting(
        None, f"{_DARK} background (#15191e)", _colour("dark_background")
    )
    dark_surface: str | None = _setting(
        None, f"{_DARK} boxes on the page (#222a33)", _colour("dark_surface")
    )
    dark_accent: str | None = _setting(
        None, f"{_DARK} links and buttons (#8cc4ff)", _colour("dark_accent")
    )
    dark_on_accent: str | None = _setting(
        None, f"{_DARK} text on accent-coloured buttons (#10161d)", _colour("dark_on_accent")
    )
    dark_danger: str | None = _setting(None, f"{_DARK} errors (#ff9d8f)", _colour("dark_danger"))
    dark_border: str | None = _setting(
        None, f"{_DARK} rules and borders (#3a4450)", _colour("dark_border")
    )

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> ThemeSettings:
        """Stored values were parsed when set, and are parsed again: a value that is not CSS
        (a row written by hand) is left out, as is an unknown key (a newer version's)."""
        values: dict[str, str] = {}
        for k, v in (stored or {}).items():
            if k in BY_NAME:
                try:
                    values[k] = BY_NAME[k].parse(v)
                except InvalidInput:
                    continue
        return cls(**values)

    def as_stored(self) -> dict[str, str]:
        """JSON-ready, only what is set."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}

    def css(self) -> str:
        """The site's stylesheet: its values as veche.css's custom properties, the light ones
        where veche.css sets its light ones, the dark ones where it sets its dark ones."""
        light = [(n, v) for n, v in self.as_stored().items() if not n.startswith("dark_")]
        dark = [(n[5:], v) for n, v in self.as_stored().items() if n.startswith("dark_")]
        out = ["/* veche: this site's theme (veche site update --theme-…) */"]
        if light:
            out.append(f":root, :host {{ {_declarations(light)} }}")
        if self.font:  # the embed inherits its page's font unless the site names one
            out.append(":host { font-family: var(--veche-font); }")
        if dark:
            block = _declarations(dark)
            out.append(
                "@media (prefers-color-scheme: dark) { :root:not([data-theme=light]), "
                f":host(:not([data-theme=light])) {{ {block} }} }}"
            )
            out.append(f':root[data-theme=dark], :host([data-theme="dark"]) {{ {block} }}')
        return "\n".join(out) + "\n"


def _declarations(values: list[tuple[str, str]]) -> str:
    return " ".join(f"--veche-{name.replace('_', '-')}: {value};" for name, value in values)


SETTINGS: tuple[Declared, ...] = declared(ThemeSettings)
BY_NAME: Mapping[str, Declared] = {d.name: d for d in SETTINGS}


def updated(stored: Mapping[str, Any] | None, changes: Mapping[str, object]) -> dict[str, str]:
    """The stored dict with `changes` parsed in (None or "" clears one); an unknown name is a
    clear error."""
    current = ThemeSettings.from_stored(stored).as_stored()
    for name, raw in changes.items():
        found = BY_NAME.get(name)
        if found is None:
            raise InvalidInput(
                _("There is no theme setting “%(name)s”.") % {"name": name}, field=name
            )
        value = found.parse(raw)
        if value is None:
            current.pop(name, None)
        else:
            current[name] = value
    return ThemeSettings.from_stored(current).as_stored()


def docs_table() -> str:
    """The settings as docs/theming.md shows them (a test keeps the two the same)."""
    rows = ["| setting | CLI option | custom property | meaning |", "|---|---|---|---|"]
    for d in SETTINGS:
        option = "--theme-" + d.name.replace("_", "-")
        prop = "--veche-" + d.name.removeprefix("dark_").replace("_", "-")
        rows.append(f"| `{d.name}` | `{option}` | `{prop}` | {d.help} |")
    return "\n".join(rows) + "\n"
