"""Comment counts for article lists: many story URLs answered by one request.

Counts are public, like the threads they count: the published comments any reader sees.
A page veche has no discussion for has none, so it counts 0; nothing is created.

Each node remembers a story's count with the version (`event_seq`) it was counted at, so
a list page asked again costs one indexed lookup of the URLs, and only the stories that
changed since are counted again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from cachetools import LRUCache

from veche.domain import validation
from veche.domain.errors import InvalidInput
from veche.i18n import gettext as _
from veche.service.runtime import Runtime
from veche.store import counts as store

MAX_URLS = 100
REMEMBERED = 20_000  # stories whose count this node keeps: ~100 bytes each


class Counts:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._known: LRUCache[int, tuple[int, int]] = LRUCache(maxsize=REMEMBERED)
        self._lock = threading.Lock()

    def by_url(self, urls: Sequence[str]) -> dict[str, int]:
        """Each URL as asked → its published comments; a repeated URL is answered once.
        More than MAX_URLS, or one that is not an http(s) URL, is refused (422)."""
        if not urls or len(urls) > MAX_URLS:
            raise InvalidInput(
                _("Ask for 1 to %(MAX_URLS)s story URLs at a time.") % {"MAX_URLS": MAX_URLS},
                field="url",
            )
        asked = {url: validation.http_url(url, "story URL", field="url") for url in urls}
        with self.rt.db.session(write=False) as s:
            found = store.stories_by_url(s, set(asked.values()))
            with self._lock:
                known = {v.id: self._known.get(v.id) for v in found}
            stale = {v.id for v in found if (hit := known[v.id]) is None or hit[0] != v.seq}
            fresh = store.published_counts(s, stale) if stale else {}
        counted: dict[str, int] = {}
        with self._lock:
            for v in found:
                hit = known[v.id]
                if hit is not None and v.id not in stale:
                    counted[v.url] = hit[1]
                else:
                    counted[v.url] = fresh.get(v.id, 0)
                    self._known[v.id] = (v.seq, counted[v.url])
        return {url: counted.get(normal, 0) for url, normal in asked.items()}
