"""Floods and campaigns: the rules that make a comment look like spam.

A near-duplicate alone is not spam (readers agree with each other in the same words); it
counts only together with a spam signal (links, promo words, a phone number) or when several
accounts post it and it is long enough to be a message rather than a nod. A looser match, a
comment that only leads to the same link host, handle or phone in other words, counts only
with promotion in the text: readers citing one source on one story write alike too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from veche.moderation.links import EMAIL, count_links, strip_links
from veche.moderation.neardup import DuplicateInfo, NearDuplicates, simple_normalize

__all__ = [
    "SPAM_THRESHOLD",
    "DuplicateInfo",
    "NearDuplicates",
    "SpamVerdict",
    "count_links",
    "promo_terms",
    "simple_normalize",
    "spam_signals",
]

SPAM_THRESHOLD = 0.5
# Several accounts posting the same words is a campaign only when there are words enough:
# three readers writing "+1, well said" is agreement. Letters and digits, links not counted.
CAMPAIGN_ACCOUNTS = 3
# Floods come from fresh accounts: among new users, a second account repeating a long
# message is already a campaign.
CAMPAIGN_ACCOUNTS_NEW = 2
CAMPAIGN_MIN_CHARS = 40
# A repeated link needs some words around it to be a message: two readers posting the same
# source with "Source:" are not a campaign.
SIGNAL_MIN_CHARS = 20

# Ten to fifteen digits in one run of digits, spaces, dots, dashes and brackets: a phone,
# not a year range or a price.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-]{7,20}\d(?!\w)")
_MONEY = re.compile(
    r"[$€£₽₸]\s?\d|\d\s?(?:[$€£₽₸]|usd\b|usdt\b|руб|тенге|тг\b|k\$|dollars?\b|bucks\b|"
    r"euros?\b|долл|бакс)"
)
# Stems, matched at a word start on casefolded text: money-making, gambling, chat contacts
# ("t.me" and "wa.me" are links to chats), and the goods spam sells.
_PROMO = re.compile(
    r"(?<!\w)(?:earn(?:ing|ings)?\b|passive income|make money|crypto\w*|bitcoin\w*|btc\b|"
    r"usdt\b|casino\w*|forex\b|betting\b|jackpot\w*|free spins|no deposit|promo\w*|"
    r"telegram\w*|t\.me\b|whatsapp\w*|wa\.me\b|viber\b|onlyfans\b|loans?\b|payday|"
    r"no credit check|no paperwork|instant approval|guaranteed approval|free trial|"
    r"discount\w*|\d+% off|cheap\w*|replica\w*|viagra|cialis|"
    r"no prescription|followers\b|hot singles|dating\b|giveaway\w*|subscribe to my|"
    r"my channel|бонус\w*|заработ\w*|казино\w*|крипт\w*|биткоин\w*|форекс\w*|промо\w*|"
    r"телеграм\w*|телега\b|ватсап\w*|вотсап\w*|вайбер\w*|пассивн\w* доход\w*|"
    r"без вложений|без справок|без поручител\w*|ставк\w* на спорт|фриспин\w*|займ\w*|микрозайм\w*|скидк\w*|дешевл\w*|"
    r"без рецепта|накрутк\w*|подписчик\w*|знакомств\w*|розыгрыш\w*|"
    r"подпис(?:ывайтесь|ывайся|ись|итесь) на (?:мой|наш)|мой канал|наш канал)"
)


@dataclass(frozen=True)
class SpamVerdict:
    """score in 0..1 (independent signals combined as a noisy OR) and why, for the queue."""

    score: float
    reasons: tuple[str, ...]

    @property
    def is_spam(self) -> bool:
        return self.score >= SPAM_THRESHOLD


def promo_terms(text: str, normalize: Callable[[str], str] = simple_normalize) -> tuple[str, ...]:
    """The promotional words, money amounts, phones and e-mail addresses in a text, deduplicated."""
    folded = normalize(text)
    found = dict.fromkeys(m.group(0) for m in _PROMO.finditer(folded))
    if _MONEY.search(folded):
        found["money amount"] = None
    if any(10 <= _digits(m.group(0)) <= 15 for m in _PHONE.finditer(text)):
        found["phone number"] = None
    if EMAIL.search(text):
        found["e-mail address"] = None
    return tuple(found)


def _digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def spam_signals(
    text_src: str,
    *,
    links_allowed: int,
    dup: DuplicateInfo,
    is_new_user: bool,
    typing_seconds: float | None,
    min_typing_seconds: float,
    normalize: Callable[[str], str] = simple_normalize,
) -> SpamVerdict:
    """The cheap spam rules for one comment, given what NearDuplicates saw of it."""
    if links_allowed < 0:
        raise ValueError(f"links_allowed must be >= 0, not {links_allowed}")
    if min_typing_seconds < 0:
        raise ValueError(f"min_typing_seconds must be >= 0, not {min_typing_seconds}")
    if typing_seconds is not None and typing_seconds < 0:
        raise ValueError(f"typing_seconds must be >= 0 or None, not {typing_seconds}")
    if dup.similar < 0 or dup.authors < 1:
        raise ValueError(f"impossible duplicate counts: {dup}")

    parts: list[tuple[float, str]] = []
    links = count_links(text_src)
    terms = promo_terms(text_src, normalize)
    signal = links > 0 or bool(terms)

    if dup.by_destination > dup.similar:
        raise ValueError(f"impossible duplicate counts: {dup}")
    by_text = dup.similar - dup.by_destination
    if dup.similar > 0 and (by_text > 0 or terms):
        words = len(_letters(normalize(strip_links(text_src))))
        needed = CAMPAIGN_ACCOUNTS_NEW if is_new_user else CAMPAIGN_ACCOUNTS
        campaign = by_text > 0 and dup.authors >= needed and words >= CAMPAIGN_MIN_CHARS
        if (signal and words >= SIGNAL_MIN_CHARS) or campaign:
            score = 0.45 + 0.1 * min(dup.authors - 1, 4) + 0.05 * min(dup.similar, 4)
            score += 0.1 if signal else 0.0
            accounts = "account" if dup.authors == 1 else "accounts"
            parts.append(
                (min(score, 0.95), f"near_duplicate x{dup.similar} from {dup.authors} {accounts}")
            )

    if links > links_allowed:
        who = "new users may post" if is_new_user else "at most"
        noun = "link" if links == 1 else "links"
        excess = links - links_allowed
        parts.append((min(0.8, 0.35 + 0.15 * excess), f"{links} {noun} ({who} {links_allowed})"))

    if typing_seconds is not None and typing_seconds < min_typing_seconds:
        parts.append((0.5 if is_new_user else 0.3, f"typed in {typing_seconds:.1f} s"))

    if terms:
        # Promotion with somewhere to go is what spam is; either alone is common in news talk.
        weight = 0.45 if links else min(0.4, 0.15 * len(terms))
        weight += 0.1 if is_new_user else 0.0
        parts.append((weight, "promo: " + ", ".join(terms)))

    keep = 1.0
    for weight, _ in parts:
        keep *= 1.0 - weight
    return SpamVerdict(round(1.0 - keep, 4), tuple(reason for _, reason in parts))


def _letters(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
