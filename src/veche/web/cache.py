"""Rendered shared thread bodies in memory, per node, bounded by their total size in bytes.

Keys carry the story's `event_seq`, so a change to the thread makes older entries
unreachable by itself; `invalidate_story` frees them at once (the publish step calls it
after commits and when the broker reports another node's). Entries also age out after
`ttl` seconds, which bounds how stale the presence dots in a quiet thread can get.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from veche.live.broker import Notice

# (story id, event_seq, what was rendered: "page", "replies", "fragment", ..., its params)
Key = tuple[int, int, str, tuple[str, ...]]


@dataclass(frozen=True)
class Entry:
    body: bytes
    media_type: str
    etag: str  # strong: the same tag always means the same bytes
    made_at: float
    key: Key  # what it renders, at which version of the story


def etag_for(key: Key, body: bytes) -> str:
    """`"s<story>-v<seq>-<digest>"`: the version for people, a digest of the page params and
    the bytes so that a re-render with fresher presence is never passed off as the same."""
    story_id, seq, kind, params = key
    digest = hashlib.sha256("\x1f".join([kind, *params]).encode() + b"\x00" + body)
    return f'"s{story_id}-v{seq}-{digest.hexdigest()[:16]}"'


class PageCache:
    """A small LRU over OrderedDict; thread-safe, since sync routes run in a thread pool."""

    def __init__(
        self, max_bytes: int, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.clock = clock
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self.clock() - entry.made_at > self.ttl:
                self._drop(key)
                entry = None
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Key, body: bytes, media_type: str) -> Entry:
        """Store a rendering and return it with its tag; one larger than the whole budget is
        returned without being kept."""
        entry = Entry(body, media_type, etag_for(key, body), self.clock(), key)
        if len(body) > self.max_bytes:
            return entry
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self.size += len(body)
            while self.size > self.max_bytes:
                self._drop(next(iter(self._entries)))
        return entry

    def on_notice(self, notice: Notice) -> None:
        """A story moved on, here or on another node: its old versions are dead weight."""
        if notice.kind == "story":
            self.invalidate_story(notice.story_id)

    def invalidate_story(self, story_id: int) -> int:
        """Forget every rendering of one story; returns how many were dropped."""
        with self._lock:
            keys = [k for k in self._entries if k[0] == story_id]
            for k in keys:
                self._drop(k)
            return len(keys)

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key)
        self.size -= len(entry.body)
