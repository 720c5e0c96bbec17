"""Disqus exports of any size, written as a stream: the import benchmark and the memory test
read them. Shaped like the real thing: every thread first, then every post, replies nested
a few levels, some anonymous, deleted and spam posts, HTML messages in CDATA."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TextIO

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
    '  <category dsq:id="1"><forum>bench</forum><title>General</title>'
    "<isDefault>true</isDefault></category>\n"
)
START = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _thread(out: TextIO, t: int) -> None:
    out.write(
        f'  <thread dsq:id="{t}"><forum>bench</forum><category dsq:id="1" />'
        f"<link>https://news.example/{t}/story-number-{t}</link>"
        f"<title>Story number {t}</title><message />"
        f"<createdAt>{(START + dt.timedelta(hours=t)).strftime('%Y-%m-%dT%H:%M:%SZ')}</createdAt>"
        "<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n"
    )


def _post(out: TextIO, n: int, thread: int, parent: int | None, when: dt.datetime) -> None:
    user = n % 997
    anonymous = n % 13 == 0
    author = (
        f"<author><name>Guest {user}</name><isAnonymous>true</isAnonymous></author>"
        if anonymous
        else (
            f"<author><email>reader{user}@example.org</email><name>Reader Nº{user}.</name>"
            f"<isAnonymous>false</isAnonymous><username>reader_{user}</username></author>"
        )
    )
    out.write(
        f'  <post dsq:id="{n}"><id /><message><![CDATA[<p>Comment {n} on story {thread}: '
        f"the <b>harbour</b> plan, point {n % 7}.</p><p>See "
        f'<a href="https://example.org/{n}">this</a>.</p>]]></message>'
        f"<createdAt>{when.strftime('%Y-%m-%dT%H:%M:%SZ')}</createdAt>"
        f"<isDeleted>{'true' if n % 101 == 0 else 'false'}</isDeleted>"
        f"<isSpam>{'true' if n % 211 == 0 else 'false'}</isSpam>{author}"
        f'<ipAddress>192.0.2.1</ipAddress><thread dsq:id="{thread}" />'
        + (f'<parent dsq:id="{parent}" />' if parent is not None else "")
        + "</post>\n"
    )


def write_export(path: Path, comments: int, per_thread: int = 50) -> int:
    """Write `comments` posts in threads of `per_thread`; returns the number of threads.
    Every fourth post replies to the one before it (to depth 4), others start a thread."""
    threads = max(1, -(-comments // per_thread))
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for t in range(1, threads + 1):
            _thread(out, t)
        n = 0
        for t in range(1, threads + 1):
            parent: int | None = None
            depth = 0
            when = START + dt.timedelta(hours=t)
            for _ in range(min(per_thread, comments - n)):
                n += 1
                when += dt.timedelta(seconds=37)
                reply = n % 4 != 0 and parent is not None and depth < 4
                _post(out, 10_000_000 + n, t, parent if reply else None, when)
                depth = depth + 1 if reply else 0
                parent = 10_000_000 + n
        out.write("</disqus>\n")
    return threads
