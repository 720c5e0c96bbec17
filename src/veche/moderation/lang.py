"""Which lexicon a comment goes to: "en", "ru" or "other".

lingua's models ship in its wheel, so detection stays on the box. It is restricted to the languages
a Central-Asian news site actually sees, which makes it both faster and less likely to call a short
English line Spanish. Text too short for statistics falls back on its alphabet.
"""

from __future__ import annotations

import threading

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from veche.moderation.normalize import fold

_LANGUAGES = (
    Language.ENGLISH,
    Language.RUSSIAN,
    Language.KAZAKH,
    Language.UKRAINIAN,
    Language.GERMAN,
    Language.FRENCH,
    Language.SPANISH,
)
_LATIN_LANGUAGES = frozenset({Language.ENGLISH, Language.GERMAN, Language.FRENCH, Language.SPANISH})
_CODES = {Language.ENGLISH: "en", Language.RUSSIAN: "ru"}
# Letters Russian lacks, which Kazakh and Ukrainian text cannot do without.
_NOT_RUSSIAN = frozenset("әғқңөұүһіїєґ")

# Below this many letters lingua's n-grams say little; the alphabet says more.
_MIN_LETTERS = 12
# Below this confidence (or this lead over the runner-up) lingua is guessing.
_MIN_CONFIDENCE = 0.5
_MIN_LEAD = 0.15

_lock = threading.Lock()
_detector: LanguageDetector | None = None


def _get() -> LanguageDetector:
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = (
                    LanguageDetectorBuilder.from_languages(*_LANGUAGES)
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


def warm() -> None:
    """Build the shared detector now (about half a second) rather than on the first comment."""
    _get().detect_language_of("warm up the models")


def _letters(text: str) -> tuple[int, int]:
    latin = sum(1 for ch in text if "a" <= ch <= "z")
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    return latin, cyrillic


def _by_script(latin: int, cyrillic: int, text: str) -> str:
    if cyrillic > latin:
        return "other" if any(ch in _NOT_RUSSIAN for ch in text) else "ru"
    return "en" if latin else "other"


def detect(text: str) -> str:
    """ "en", "ru" or "other" for a comment; mixed text goes by its majority alphabet."""
    if not isinstance(text, str):
        raise TypeError(f"detect() takes a str, not {type(text).__name__}")
    folded = fold(text)
    latin, cyrillic = _letters(folded)
    if latin + cyrillic < _MIN_LETTERS:
        return _by_script(latin, cyrillic, folded)
    cyrillic_text = cyrillic > latin
    ranked = [
        c
        for c in _get().compute_language_confidence_values(folded)
        if (c.language in _LATIN_LANGUAGES) != cyrillic_text
    ]
    if not ranked:
        return _by_script(latin, cyrillic, folded)
    best = ranked[0]
    runner_up = ranked[1].value if len(ranked) > 1 else 0.0
    if best.value < _MIN_CONFIDENCE or best.value - runner_up < _MIN_LEAD:
        # Unsure between, say, Russian and Ukrainian: trust the alphabet's own giveaways.
        return _by_script(latin, cyrillic, folded)
    return _CODES.get(best.language, "other")
