"""Quote provenance: a quote is checked against the text its source shows now."""

from __future__ import annotations

from veche.domain.enums import QuoteState
from veche.domain.markup import normalise_for_match


def verify(quote_text: str, source_text: str | None) -> QuoteState:
    """verified when the words occur in the source, altered when not, gone when no source."""
    if source_text is None:
        return QuoteState.source_deleted
    needle = normalise_for_match(quote_text)
    hay = normalise_for_match(source_text)
    return QuoteState.verified if needle and needle in hay else QuoteState.altered
