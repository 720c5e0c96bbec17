"""A per-site setting declared once, as a dataclass field carrying its help and parser;
`declared` lists them for the CLI options, the forms and the docs (domain/site_settings.py
gathers every group)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Declared:
    name: str
    default: Any
    help: str
    parse: Callable[[object], Any]
    secret: bool = False  # never shown back
    file: bool = False  # the CLI option names a file holding the value
    option: str | None = None  # the CLI option, when not --NAME (an older, kept spelling)

    @property
    def flag(self) -> str:
        return "--" + (self.option or self.name.replace("_", "-"))


def setting(
    default: Any,
    help: str,
    parse: Callable[[object], Any],
    *,
    secret: bool = False,
    file: bool = False,
    option: str | None = None,
) -> Any:
    return field(
        default=default,
        metadata={"help": help, "parse": parse, "secret": secret, "file": file, "option": option},
    )


def declared(cls: type) -> tuple[Declared, ...]:
    return tuple(
        Declared(
            f.name, f.default, f.metadata["help"], f.metadata["parse"],
            f.metadata["secret"], f.metadata["file"], f.metadata.get("option"),
        )
        for f in fields(cls)
    )  # fmt: skip
