"""Materialized paths: fixed-width base-36 ordinals, so byte order is display order."""

from __future__ import annotations

SEGMENT = 5
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
MAX_ORDINAL = 36**SEGMENT - 1
# Storage bound (the path column holds 1024 characters); display caps nesting far sooner.
MAX_DEPTH = 200
# Sorts after every digit in byte order: path + END bounds a whole subtree.
END = "~"


def segment(ordinal: int) -> str:
    if not 1 <= ordinal <= MAX_ORDINAL:
        raise ValueError(f"ordinal {ordinal} out of range")
    out = []
    for _ in range(SEGMENT):
        ordinal, rem = divmod(ordinal, 36)
        out.append(_DIGITS[rem])
    return "".join(reversed(out))


def child_path(parent_path: str, ordinal: int) -> str:
    return parent_path + segment(ordinal)


def depth_of(path: str) -> int:
    return len(path) // SEGMENT - 1


def ordinals(path: str) -> tuple[int, ...]:
    """(3, 1) for the first reply to the third comment: the number a reader sees."""
    return tuple(int(path[i : i + SEGMENT], 36) for i in range(0, len(path), SEGMENT))


def subtree_end(path: str) -> str:
    return path + END
