"""A per-site setting declared once, as a dataclass field carrying its help and parser;
`declared` lists them for the CLI options, the forms and the docs (moderation, sign-in)."""

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


def setting(
    default: Any,
    help: str,
    parse: Callable[[object], Any],
    *,
    secret: bool = False,
    file: bool = False,
) -> Any:
    return field(
        default=default, metadata={"help": help, "parse": parse, "secret": secret, "file": file}
    )


def declared(cls: type) -> tuple[Declared, ...]:
    return tuple(
        Declared(
            f.name, f.default, f.metadata["help"], f.metadata["parse"],
            f.metadata["secret"], f.metadata["file"],
        )
        for f in fields(cls)
    )  # fmt: skip
