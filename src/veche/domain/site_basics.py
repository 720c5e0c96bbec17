"""A site's own settings (origins, title suffix, who may comment, edit window, length),
declared like the moderation and sign-in ones so the same table makes the CLI options, the
admin form and the docs. Unlike those they live in the site's own columns; `of` reads them
and `write` puts parsed values back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol

from veche.domain import titles, validation
from veche.domain.declared import Declared, declared
from veche.domain.declared import setting as _setting
from veche.domain.errors import InvalidInput
from veche.domain.markup import clean_text
from veche.i18n import N_
from veche.i18n import gettext as _

EDIT_WINDOW_MAX = 7 * 24 * 60  # minutes
LENGTH_MAX = 100_000
ORIGINS_MAX = 100


class SiteColumns(Protocol):
    """The columns of a site these settings are kept in (store.models.Site)."""

    allowed_origins: list[str]
    title_suffix: str | None
    require_sign_in: bool
    allow_guests: bool
    edit_window_seconds: int
    max_comment_length: int


def one_origin(value: str) -> str:
    """scheme://host[:port]; a refusal names the value refused."""
    try:
        return validation.origin(value)
    except InvalidInput as exc:
        raise InvalidInput(
            _("%(value)s: %(message)s") % {"value": repr(value), "message": exc.message},
            field="origins",
        ) from exc


def _origins(raw: object) -> tuple[str, ...]:
    """From a list, or from text with one origin per line or comma; sorted, each once."""
    if isinstance(raw, str):
        items = [p.strip() for line in raw.splitlines() for p in line.split(",")]
    elif isinstance(raw, list | tuple):
        items = [str(p).strip() for p in raw]
    else:
        raise InvalidInput(_("origins is a list of https://host[:port]."), field="origins")
    found = sorted({one_origin(p) for p in items if p})
    if len(found) > ORIGINS_MAX:
        raise InvalidInput(
            _("A site allows at most %(max)s origins.") % {"max": ORIGINS_MAX}, field="origins"
        )
    return tuple(found)


def _suffix(raw: object) -> str | None:
    text = clean_text(validation.reject_nul(str(raw or ""), "title suffix", field="title_suffix"))
    if len(text) > titles.SUFFIX_MAX:
        raise InvalidInput(
            _("A title suffix is at most %(SUFFIX_MAX)s characters.")
            % {"SUFFIX_MAX": titles.SUFFIX_MAX},
            field="title_suffix",
        )
    return text or None


def _yes_no(name: str) -> Callable[[object], bool]:
    def parse(raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in ("yes", "true", "on", "1"):
            return True
        if word in ("no", "false", "off", "0"):
            return False
        raise InvalidInput(_("%(name)s is yes or no.") % {"name": name}, field=name)

    return parse


def _whole(name: str, low: int, high: int, message: str) -> Callable[[object], int]:
    """`message` is a msgid (marked with N_) with %(low)s and %(high)s, translated when a
    value is refused: the class is made once, the refusal in the reader's language."""

    def refused() -> InvalidInput:
        return InvalidInput(_(message) % {"low": low, "high": high}, field=name)

    def parse(raw: object) -> int:
        if isinstance(raw, bool):
            raise refused()
        try:
            value = raw if isinstance(raw, int) else int(str(raw).strip())
        except ValueError:
            raise refused() from None
        if not low <= value <= high:
            raise refused()
        return value

    return parse


@dataclass(frozen=True)
class SiteBasics:
    origins: tuple[str, ...] = _setting(
        (),
        "the pages allowed to embed the site's discussions, https://host[:port] each (one per "
        "line or comma-separated); on the command line `--origin` adds one and "
        "`--remove-origin` takes one away",
        _origins,
        option="set-origins",
    )
    title_suffix: str | None = _setting(
        None,
        'what the site\'s page titles end with, e.g. "The Coast Gazette": dropped from story '
        'titles ("" forgets it)',
        _suffix,
    )
    require_sign_in: bool = _setting(True, "readers sign in to comment", _yes_no("require_sign_in"))
    allow_guests: bool = _setting(
        False,
        "guests may comment with a name, even where sign-in is required",
        _yes_no("allow_guests"),
    )
    edit_window: int = _setting(
        15,
        f"minutes during which an author may edit a comment (0 to {EDIT_WINDOW_MAX})",
        _whole(
            "edit_window", 0, EDIT_WINDOW_MAX,
            N_("The edit window is %(low)s to %(high)s minutes (7 days)."),
        ),
    )  # fmt: skip
    max_length: int = _setting(
        5000,
        f"the longest comment, in characters (1 to {LENGTH_MAX})",
        _whole(
            "max_length",
            1,
            LENGTH_MAX,
            N_("The maximum comment length is %(low)s to %(high)s."),
        ),
    )

    @classmethod
    def of(cls, site: SiteColumns) -> SiteBasics:
        return cls(
            origins=tuple(site.allowed_origins),
            title_suffix=site.title_suffix,
            require_sign_in=site.require_sign_in,
            allow_guests=site.allow_guests,
            edit_window=site.edit_window_seconds // 60,
            max_length=site.max_comment_length,
        )

    def write(self, site: SiteColumns, names: Iterable[str]) -> None:
        """Only the named settings: an edit window kept in seconds is not rounded unasked."""
        for name in names:
            value = getattr(self, name)
            if name == "origins":
                site.allowed_origins = list(value)
            elif name == "edit_window":
                site.edit_window_seconds = value * 60
            elif name == "max_length":
                site.max_comment_length = value
            else:
                setattr(site, name, value)

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SETTINGS: tuple[Declared, ...] = declared(SiteBasics)
BY_NAME: Mapping[str, Declared] = {d.name: d for d in SETTINGS}


def apply(site: SiteColumns, changes: Mapping[str, object]) -> None:
    """Parse every change first, then write them all: a refusal leaves the site as it was."""
    parsed: dict[str, Any] = {}
    for name, raw in changes.items():
        declared_ = BY_NAME.get(name)
        if declared_ is None:
            raise InvalidInput(
                _("There is no site setting “%(name)s”.") % {"name": name}, field=name
            )
        parsed[name] = declared_.parse(raw)
    replace(SiteBasics.of(site), **parsed).write(site, parsed)
