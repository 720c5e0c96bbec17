"""Runs inside bench/.venv-isso: create Isso's schema with Isso's own code, then insert the
bench threads straight into its `threads` and `comments` tables (posting 100k comments
through its API would take longer than the whole benchmark).

usage: isso_seed.py ISSO_CFG THREAD_JSON
THREAD_JSON: {"uri": "/b/100", "title": "...", "rows": [[parent_index|null, author, body, created], ...]}
"""

from __future__ import annotations

import json
import sqlite3
import sys

from isso import config  # type: ignore[import-not-found]
from isso.db import SQLite3  # type: ignore[import-not-found]
from isso.utils import Bloomfilter  # type: ignore[import-not-found]


def main(cfg_path: str, thread_path: str) -> None:
    conf = config.load(config.default_file(), cfg_path)
    dbpath = conf.get("general", "dbpath")
    SQLite3(dbpath, conf)  # creates the tables and sets user_version, as Isso does at start
    with open(thread_path, encoding="utf-8") as f:
        thread = json.load(f)
    voters = memoryview(Bloomfilter(iterable=["127.0.0.1"]).array)
    con = sqlite3.connect(dbpath)
    with con:
        tid = con.execute(
            "INSERT INTO threads (uri, title) VALUES (?, ?)", (thread["uri"], thread["title"])
        ).lastrowid
        ids: list[int] = []
        roots: list[int] = []
        for parent, author, body, created in thread["rows"]:
            # Isso keeps one level: a reply to a reply is stored under the top-level comment.
            root_parent = None if parent is None else roots[parent]
            cur = con.execute(
                "INSERT INTO comments (tid, parent, created, modified, mode, remote_addr, text,"
                " author, email, website, voters, notification)"
                " VALUES (?, ?, ?, NULL, 1, '127.0.0.1', ?, ?, NULL, NULL, ?, 0)",
                (tid, root_parent, created, body, author, voters),
            )
            assert cur.lastrowid is not None
            ids.append(cur.lastrowid)
            roots.append(cur.lastrowid if parent is None else roots[parent])
    con.close()
    print(json.dumps({"tid": tid, "comments": len(ids)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
