"""A Babel extractor for the declared per-site settings (babel.cfg maps it to
domain/site_settings.py): each setting's label and help text, as the admin form shows them.

The help texts are the CLI's and docs/sites.md's too, written once in English (some made
with f-strings from their limits), so no `N_()` could mark them; the extractor reads the
declared settings themselves, and the form translates each with `_()` when it is shown.
The file's own `_()`/`N_()` strings are extracted as any Python file's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import IO, Any

from babel.messages.extract import extract_python

from veche.domain.site_settings import GROUPS
from veche.service.site_form import label


def declared_settings(
    fileobj: IO[bytes],
    keywords: Any,  # what Babel's extract() hands every extractor, passed on as it is
    comment_tags: Collection[str],
    options: Any,
) -> Iterator[tuple[Any, ...]]:  # (line, keyword, message, comments)
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for group in GROUPS:
        for d in group.settings:
            yield 0, "_", label(d.name), []
            yield 0, "_", d.help, []
