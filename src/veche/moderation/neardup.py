"""Near-duplicates across a site's recent comments: the same message with small changes.

Character 4-shingles survive what campaigns vary (homoglyphs, emoji, typos, spintax) far better
than words do. MinHash-LSH with a low threshold (0.3; 96 permutations in 32 bands of 3) finds
candidates cheaply, and each is confirmed by the exact Jaccard similarity of the shingle sets
(>= 0.4), so the low threshold costs a few comparisons, never a false match. On the corpus's
train and dev campaigns (bench/moderation), Jaccard >= 0.4 finds an earlier variant for 92% of
later variants (>= 0.5: 77%; the misses are rewordings), while distinct comments on one story
stay below 0.3.

Jaccard falls short when a variant drops sentences or is wrapped in chatter: a message cut to
its pitch and link shares nearly all its shingles with the full one but few of the union. Such
a candidate is also confirmed by containment, |A∩B| / min(|A|, |B|) >= 0.7, when the smaller
text has at least 40 shingles (about 45 characters): below that, one short comment sits inside
many others ("ты дебил" in any comment calling someone so); and at least a third as many as the
larger: a sentence lifted from a long text is a quotation of it (readers quote the story's
paragraphs), not a variant. Among the ordinary comments of tune.jsonl, dev.jsonl, train.jsonl
and short.jsonl no pair of that size passes 0.5.

Heavy spintax (most words swapped for synonyms) leaves a Jaccard of 0.2-0.3, where ordinary
comments also fall now and then (7 of 128,000 pairs of those files' comments reach 0.2). What a
reworded campaign keeps is where it leads: the same link host, @handle or phone. Earlier
comments sharing such a destination are candidates too, and are confirmed from Jaccard 0.2; but
readers citing one source on one story in similar words get there too, so these matches are
counted apart (`DuplicateInfo.by_destination`) and the spam rules need promotion besides.

Memory is bounded per site by a count and a time window, about 11 KB per kept comment (mostly
the LSH buckets; ~55 MB for a site at the 5,000 cap). MinHashLSH.remove costs one dict
operation per band, so the oldest items are removed one by one as new ones arrive.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zlib import crc32

import numpy as np
import numpy.typing as npt
from datasketch import MinHash, MinHashLSH

from veche.moderation.links import destinations, reduce_urls

__all__ = [
    "DuplicateInfo",
    "NearDuplicates",
    "containment",
    "fingerprint_text",
    "jaccard",
    "shingles",
    "simple_normalize",
]

Normalizer = Callable[[str], str]
_WS = re.compile(r"\s+")
# What a campaign varies without changing the message: symbols (emoji), marks (variation
# selectors, zalgo), format characters (zero-width joiners), punctuation.
_DROP = frozenset({"So", "Sk", "Sm", "Cf", "Co", "Cs", "Cn", "Cc", "Mn", "Me"})
# Look-alikes share one form in the fingerprint, whatever normaliser ran before. Mapping a
# Russian comment's letters to Latin ones is harmless here: the fingerprint is only compared
# with other fingerprints, never shown or matched against words.
_SKELETON = str.maketrans(
    "аеорсхуікмтнвһјѕԁԛԝёαοερχυικντ0134579",
    "aeopcxyikmthbhjsdqweaoepxuikvtoieastg",
)
_RUNS = re.compile(r"(.)\1+")
SHINGLE = 4
# A comment is fingerprinted on its first few thousand characters: a campaign shows there, and
# a 10,000-character essay must not cost 10,000 shingles per kept item.
MAX_CHARS = 3000


def simple_normalize(text: str) -> str:
    """NFKC, case folding and single spaces: the fallback when no folding normaliser is given."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def fingerprint_text(text: str, normalize: Normalizer = simple_normalize) -> str:
    """The text that is shingled: links reduced to their host, normalised, look-alikes and
    digits mapped to one letter, emoji and punctuation gone (so "e-a-r-n" and "earn" agree),
    repeated characters squeezed (so "neeed" and "need" agree)."""
    text = normalize(reduce_urls(text)).translate(_SKELETON)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in _DROP or cat[0] == "P":
            continue
        kept.append(" " if ch.isspace() else ch)
    return _RUNS.sub(r"\1", _WS.sub(" ", "".join(kept))).strip()[:MAX_CHARS]


def shingles(text: str, normalize: Normalizer = simple_normalize) -> npt.NDArray[np.uint32]:
    """Sorted unique 32-bit hashes (CRC-32: fast, in C, the same in every process, so runs
    are reproducible) of the character 4-shingles of the fingerprint text."""
    flat = fingerprint_text(text, normalize)
    if not flat:
        return np.empty(0, dtype=np.uint32)
    grams = {flat[i : i + SHINGLE] for i in range(max(1, len(flat) - SHINGLE + 1))}
    hashed = np.fromiter((crc32(g.encode()) for g in grams), dtype=np.uint32, count=len(grams))
    return np.unique(hashed)


def jaccard(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if a.size == 0 or b.size == 0:
        return 0.0
    both = np.intersect1d(a, b, assume_unique=True).size
    return both / (a.size + b.size - both)


def containment(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> float:
    """How much of the smaller of two sorted unique hash arrays lies in the other."""
    if a.size == 0 or b.size == 0:
        return 0.0
    return np.intersect1d(a, b, assume_unique=True).size / min(a.size, b.size)


@dataclass(frozen=True)
class DuplicateInfo:
    """What the index knew when a comment arrived.

    similar: earlier recent comments of the site that are near-duplicates of it (saturates at
    the index's max_matches); authors: distinct author keys among them, plus this one;
    sample_id: an id for the group, to show a campaign as one item: the oldest group id among
    the matched comments, or this comment's own index id when nothing matched. When a comment
    bridges two groups they merge from then on; ids already handed out stay as they were.
    by_destination: how many of `similar` match only at the lower Jaccard allowed for comments
    that lead to the same link host, @handle, phone or e-mail.
    """

    similar: int
    authors: int
    sample_id: int
    by_destination: int = 0


@dataclass
class _Item:
    at: datetime
    author: str
    shingles: npt.NDArray[np.uint32]
    campaign: int
    destinations: frozenset[str] = frozenset()


@dataclass
class _Site:
    lsh: MinHashLSH
    items: OrderedDict[int, _Item]
    # destination -> ids of kept items that lead there, oldest first
    leads: dict[str, list[int]] = field(default_factory=dict)


class NearDuplicates:
    """Recent comments of each site, indexed for near-duplicate look-ups. Thread-safe."""

    def __init__(
        self,
        *,
        max_items: int = 5000,
        window: timedelta = timedelta(hours=24),
        lsh_threshold: float = 0.3,
        jaccard_threshold: float = 0.4,
        containment_threshold: float = 0.7,
        containment_min: int = 40,
        destination_jaccard: float = 0.2,
        num_perm: int = 96,
        max_matches: int = 50,
        normalize: Normalizer = simple_normalize,
    ) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be >= 1, not {max_items}")
        if window <= timedelta(0):
            raise ValueError(f"window must be positive, not {window}")
        if not 0.0 < lsh_threshold <= jaccard_threshold <= 1.0:
            raise ValueError("need 0 < lsh_threshold <= jaccard_threshold <= 1")
        if not jaccard_threshold <= containment_threshold <= 1.0:
            raise ValueError("need jaccard_threshold <= containment_threshold <= 1")
        if not 0.0 < destination_jaccard <= jaccard_threshold:
            raise ValueError("need 0 < destination_jaccard <= jaccard_threshold")
        if containment_min < 1:
            raise ValueError(f"containment_min must be >= 1, not {containment_min}")
        if max_matches < 1:
            raise ValueError(f"max_matches must be >= 1, not {max_matches}")
        self.max_items = max_items
        self.window = window
        self.jaccard_threshold = jaccard_threshold
        self.containment_threshold = containment_threshold
        self.containment_min = containment_min
        self.destination_jaccard = destination_jaccard
        self.max_matches = max_matches
        self.normalize = normalize
        self._num_perm = num_perm
        # The banding (b, r) is solved once; every site's index reuses it.
        probe = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm)
        self._params = (probe.b, probe.r)
        self._template = MinHash(num_perm=num_perm, hashfunc=_identity)
        self._sites: dict[int, _Site] = {}
        self._next_id = 1
        self._last_sweep: datetime | None = None
        self._lock = threading.Lock()

    def check_and_add(
        self, site_id: int, author_key: str, text: str, now: datetime
    ) -> DuplicateInfo:
        """Count the recent near-duplicates of text on the site, then remember it."""
        grams = shingles(text, self.normalize)
        minhash = self._minhash(grams) if grams.size else None
        leads = frozenset(destinations(text)) if grams.size else frozenset()
        with self._lock:
            self._sweep(now)
            site = self._sites.get(site_id)
            if site is None:
                site = self._sites[site_id] = _Site(self._new_lsh(), OrderedDict())
            self._evict(site, now, room=1)
            key = self._next_id
            self._next_id += 1
            matches = self._matches(site, grams, minhash, leads)
            groups = {site.items[k].campaign for k, _ in matches}
            campaign = min(groups, default=key)
            if len(groups) > 1:
                _merge(site, groups - {campaign}, campaign)
            authors = {site.items[k].author for k, _ in matches} | {author_key}
            if minhash is not None:
                site.lsh.insert(key, minhash, check_duplication=False)
            for lead in leads:
                site.leads.setdefault(lead, []).append(key)
            site.items[key] = _Item(now, author_key, grams, campaign, leads)
            by_destination = sum(1 for _, by_text in matches if not by_text)
            return DuplicateInfo(len(matches), len(authors), campaign, by_destination)

    def size(self, site_id: int | None = None) -> int:
        """How many comments are kept, for one site or all."""
        with self._lock:
            if site_id is not None:
                site = self._sites.get(site_id)
                return len(site.items) if site else 0
            return sum(len(s.items) for s in self._sites.values())

    def _matches(
        self,
        site: _Site,
        grams: npt.NDArray[np.uint32],
        minhash: MinHash | None,
        leads: frozenset[str],
    ) -> list[tuple[int, bool]]:
        """The matching kept items, each with whether its text alone confirmed it."""
        if minhash is None:
            return []
        # Most recent first, so a flood saturating max_matches counts its newest members; and
        # a bounded number of exact comparisons however crowded the buckets are.
        shared = {k for lead in leads for k in site.leads.get(lead, ())[-self.max_matches :]}
        candidates = sorted(set(site.lsh.query(minhash)) | shared, reverse=True)
        found: list[tuple[int, bool]] = []
        for k in candidates[: 4 * self.max_matches]:
            other = site.items[k].shingles
            if self._similar(grams, other):
                found.append((k, True))
            elif k in shared and jaccard(grams, other) >= self.destination_jaccard:
                found.append((k, False))
            if len(found) >= self.max_matches:
                break  # a flood: enough to judge it, and each post stays cheap
        return found

    def _similar(self, a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> bool:
        """Jaccard for variants of one length; containment for a part of the other."""
        if jaccard(a, b) >= self.jaccard_threshold:
            return True
        small, large = sorted((a.size, b.size))
        return (
            small >= self.containment_min
            and 3 * small >= large
            and containment(a, b) >= self.containment_threshold
        )

    def _minhash(self, grams: npt.NDArray[np.uint32]) -> MinHash:
        m = MinHash(
            num_perm=self._num_perm,
            hashfunc=_identity,
            permutations=self._template.permutations,
            scheme=self._template.scheme,
        )
        m.update_batch(grams.tolist())
        return m

    def _new_lsh(self) -> MinHashLSH:
        return MinHashLSH(num_perm=self._num_perm, params=self._params)

    def _evict(self, site: _Site, now: datetime, room: int = 0) -> None:
        horizon = now - self.window
        while site.items:
            key, oldest = next(iter(site.items.items()))
            if len(site.items) + room <= self.max_items and oldest.at >= horizon:
                break
            if oldest.shingles.size:
                site.lsh.remove(key)
            for lead in oldest.destinations:
                kept = site.leads[lead]
                kept.remove(key)  # the oldest is first in each list: cheap
                if not kept:
                    del site.leads[lead]
            del site.items[key]

    def _sweep(self, now: datetime) -> None:
        """Sites that went quiet are emptied too, at most once per hundredth of the window."""
        if self._last_sweep is not None and now - self._last_sweep < self.window / 100:
            return
        self._last_sweep = now
        for site_id, site in list(self._sites.items()):
            self._evict(site, now)
            if not site.items:
                del self._sites[site_id]


def _merge(site: _Site, losers: set[int], winner: int) -> None:
    """A comment that matches two groups joins them; the kept members take the older id.

    Rare (only a bridging comment triggers it), so a scan of the kept items is cheap enough.
    """
    for item in site.items.values():
        if item.campaign in losers:
            item.campaign = winner


def _identity(value: int) -> int:
    return value
