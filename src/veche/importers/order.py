"""Parents before replies, whatever order a source lists them in; what cannot be placed
(a parent not in the source, a loop, a repeated id) is reported, not guessed at."""

from __future__ import annotations

from veche.importers.model import ImportedComment, Rejected

ID_MAX = 255  # import_comments.external_id


def _where(c: ImportedComment) -> str:
    return f"line {c.line}" if c.line else f"comment {c.external_id}"


def parents_first(
    comments: list[ImportedComment], known: set[str]
) -> tuple[list[ImportedComment], list[Rejected]]:
    """`comments` in an order where each parent comes before its replies; `known` are ids
    written by an earlier run, which replies may name. Siblings keep the source's order."""
    rejects: list[Rejected] = []
    by_id: dict[str, ImportedComment] = {}
    for c in comments:
        if len(c.external_id) > ID_MAX or len(c.parent_external_id or "") > ID_MAX:
            rejects.append(Rejected(_where(c), f"a comment id is over {ID_MAX} characters"))
        elif c.external_id in by_id:
            rejects.append(Rejected(_where(c), f"comment id {c.external_id} appears twice"))
        else:
            by_id[c.external_id] = c
    roots: list[ImportedComment] = []
    children: dict[str, list[ImportedComment]] = {}
    for c in by_id.values():
        parent = c.parent_external_id
        if parent is None or (parent in known and parent not in by_id):
            roots.append(c)
        elif parent in by_id:
            children.setdefault(parent, []).append(c)
        else:
            rejects.append(Rejected(_where(c), f"its parent {parent} is not in the source"))
    ordered: list[ImportedComment] = []
    stack = list(reversed(roots))
    while stack:
        c = stack.pop()
        ordered.append(c)
        stack.extend(reversed(children.pop(c.external_id, [])))
    # Left over: replies under a missing parent, or comments in a loop of parents.
    for siblings in children.values():
        for c in siblings:
            rejects.append(Rejected(_where(c), f"its parent {c.parent_external_id} was skipped"))
    return ordered, rejects
