"""Isso databases as Isso itself leaves them, for the importer's tests.

The schema is Isso's own (isso-comments/isso at 9c24f9b3, isso/db/{threads,comments,
preferences}.py and the trigger in isso/db/__init__.py): version 5, and the older version 3
(before the `notification` column, with `text` still nullable) that long-running installs
keep. Rows are written the way Isso writes them: IPs anonymised to /24, a 256-byte voters
Bloom filter, replies flattened to their top-level comment, deleted comments with replies
kept as mode 4 with text, author and website cleared.

Run as a script to write both samples next to it: `python tests/isso_sample.py DIR`.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

THREADS = "CREATE TABLE IF NOT EXISTS threads ( id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256))"
COMMENTS_V5 = """
            CREATE TABLE IF NOT EXISTS comments (
                tid REFERENCES threads(id),
                id INTEGER PRIMARY KEY,
                parent INTEGER,
                created FLOAT NOT NULL,
                modified FLOAT,
                mode INTEGER,
                remote_addr VARCHAR,
                text VARCHAR NOT NULL,
                author VARCHAR,
                email VARCHAR,
                website VARCHAR,
                likes INTEGER DEFAULT 0,
                dislikes INTEGER DEFAULT 0,
                voters BLOB NOT NULL,
                notification INTEGER DEFAULT 0
            );
        """
# Version 3: `text` nullable, no `notification` (added by the migration to 4).
COMMENTS_V3 = """
            CREATE TABLE IF NOT EXISTS comments (
                tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
                created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
                text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
                likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL);
        """
PREFERENCES = (
    "CREATE TABLE IF NOT EXISTS preferences (    key VARCHAR PRIMARY KEY, value VARCHAR );"
)
TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS remove_stale_threads AFTER DELETE ON comments BEGIN"
    "     DELETE FROM threads WHERE id NOT IN (SELECT tid FROM comments); END"
)
VOTERS = bytes(256)  # Isso's Bloomfilter().array: 2048 bits

# Row: (tid, id, parent, created, modified, mode, remote_addr, text, author, email, website)
Row = tuple[object, ...]

COAST_THREADS: list[tuple[int, str, str | None]] = [
    (1, "/2022/11/26/astana-protests/", "Protests in Astana — The Coast Gazette"),
    (2, "/2023/04/02/steppe-eagles/", None),  # Isso had no title for it (data-title unset)
    (3, "/about/?ref=footer", "About us"),
]
COAST_COMMENTS: list[Row] = [
    (1, 1, None, 1669479120.523891, None, 1, "95.56.0.0",
     "in January of this year, Kazakhstan had already experienced an outbreak of protests.\n\n"
     "which turned out to be the actions of the poor, clans and local crime",
     "Sergey Latyshev", "serge.l@mail.example", None),
    (1, 2, 1, 1669480269.0, 1669480500.25, 1, "2a02:2168:8a1c:0000:0000:0000:0000:0000",
     "> which turned out to be the actions of the poor\n\nNot only the poor — I saw students "
     "with *Жаңа Қазақстан* placards. [Video](https://t.me/example/123)",
     "Nadežda P.", "nadezda.p@mail.example", "https://nadezda.example/blog"),
    # A reply to comment 2: Isso stored it under 2's top-level comment, 1.
    (1, 3, 1, 1669482340.7, None, 1, "10.0.0.0",
     "@Nadežda thank you & please keep it civil <3", "Айгерим", "aigerim@news.example",
     "https://news.example/author/aigerim-s/"),
    (1, 4, None, 1669484402.1, None, 1, "37.99.40.0",
     "Mobile internet is down in Almaty too since 20:00", None, None, None),
    (1, 5, 4, 1669514490.0, None, 2, "46.34.128.0",
     "Waiting for moderation: is this the same square as in January?",
     "Cetron", "cetron@mail.example", None),
    # Deleted by its author after a reply came: Isso keeps its place (mode 4).
    (1, 6, None, 1669514712.0, 1669516000.0, 4, "46.34.128.0", "", None,
     "cetron@mail.example", None),
    (1, 7, 6, 1669515000.0, None, 1, "2.135.0.0", "Why was this removed?", "李雷 🌸", None, None),
    # Its parent was purged by an admin (Isso's `purge` does not touch replies).
    (1, 8, 42, 1669517000.0, None, 1, "2.135.0.0", "Agreed with the comment above.",
     "Marat", "marat@mail.example", None),
    # Listed before its parent: brought in by Isso's own importer, parents numbered later.
    (1, 9, 10, 1669518000.0, None, 1, "2.135.0.0",
     "Replying to the editors: thanks for the note.", "Olzhas & family",
     "olzhas@mail.example", None),
    (1, 10, None, 1669517500.0, None, 1, "10.0.0.0",
     "Note from the editors: comments moved from our old site keep their authors.",
     "Gazette Editor", "editor@news.example", "https://news.example"),
    (1, 11, None, "yesterday", None, 1, "2.135.0.0", "A row another tool wrote badly.",
     "Ermek", "ermek@mail.example", None),
    (1, 12, None, 1669519000.0, None, 3, "2.135.0.0", "A mode Isso never writes.",
     "Ermek", "ermek@mail.example", None),
    (2, 13, None, 1680415440.0, None, 1, "2.135.4.0",
     "Forty-one! In 2015 there were barely a dozen.", "birdwatcher_kz", "", ""),
    (3, 14, None, 1677643200.0, None, 1, "2.135.9.0",
     "Do you take letters from readers in Kazakh?", "Dana", "dana@mail.example", None),
    (3, 15, 14, 1677648000.0, None, 1, "10.0.0.0", "Иә, әрине! Yes, of course.",
     "Gazette Editor", "editor@news.example", "https://news.example"),
    (3, 16, None, 1677650000.0, None, 1, "2.135.9.0", "   ", "Dana", "dana@mail.example", None),
    # A comment whose thread row is gone (a hand-edited database).
    (9, 17, None, 1677651000.0, None, 1, "2.135.9.0", "Lost thread.", "Dana", None, None),
]  # fmt: skip

PRAIRIE_THREADS: list[tuple[int, str, str | None]] = [
    (1, "https://prairie.example/2014/08/harvest/", "Осенний урожай"),
    (2, "/contacts", "Контакты"),
]
PRAIRIE_COMMENTS: list[Row] = [
    (1, 1, None, 1409479200.0, None, 1, "176.59.0.0",
     "А какой сорт? У нас «Апорт» в этом году не уродился :(", "Иван Петрович",
     "ivan.p@mail.example", None),
    (1, 2, 1, 1409480400.0, None, 1, "127.0.0.0", "Антоновка и белый налив.\nАпорт тоже не очень.",
     "Ольга", "olga@prairie.example", "http://prairie.example"),
    (1, 3, 1, 1409485500.0, None, 1, "176.59.0.0", "**Спасибо!**", "Иван Петрович",
     "ivan.p@mail.example", None),
    # Deleted in version 3: text NULL, as the 4-to-5 migration would later find it.
    (1, 4, None, 1409518800.0, None, 4, "176.59.0.0", None, None, None, None),
    (1, 5, 4, 1409522400.0, None, 1, "176.59.0.0", "Ответ удалённому", "", "", "javascript:alert(1)"),
    (2, 6, None, 1409526000.0, None, 2, "198.51.100.0", "Пишу вам с вопросом", "Митя", None, None),
]  # fmt: skip


def build(path: Path, threads: list[tuple[int, str, str | None]], comments: list[Row], *,
          version: int = 5) -> Path:  # fmt: skip
    con = sqlite3.connect(path)
    with con:
        con.execute(PREFERENCES)
        con.execute(
            "INSERT INTO preferences (key, value) VALUES (?, ?)", ("session-key", "9f" * 24)
        )
        con.execute(THREADS)
        con.execute(COMMENTS_V5 if version >= 5 else COMMENTS_V3)
        con.execute(f"PRAGMA user_version = {version}")
        con.execute(TRIGGER)
        con.executemany("INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)", threads)
        con.executemany(
            "INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr, text,"
            " author, email, website, voters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, VOTERS) for row in comments],
        )
    con.close()
    return path


def coast(directory: Path) -> Path:
    return build(directory / "coast-isso.db", COAST_THREADS, COAST_COMMENTS)


def prairie(directory: Path) -> Path:
    return build(directory / "prairie-isso-v3.db", PRAIRIE_THREADS, PRAIRIE_COMMENTS, version=3)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    print(coast(out), prairie(out))
