"""What an import did (ImportReport), how --strict ends one (ImportFailed), and what is told
of its progress (Progress): shared by the loader, the CLI and the progress bar."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from veche.domain.errors import VecheError
from veche.importers.model import Rejected


@dataclass(slots=True)
class ImportReport:
    """What an import did, thread by thread; printed as the summary."""

    source: str
    site: str
    threads_created: int = 0
    threads_updated: int = 0
    threads_unchanged: int = 0
    comments_created: int = 0
    comments_updated: int = 0
    comments_unchanged: int = 0
    authors_created: int = 0
    skipped: list[Rejected] = field(default_factory=list)
    story_ids: list[int] = field(default_factory=list)  # in the order the source gave them

    @property
    def threads(self) -> int:
        return self.threads_created + self.threads_updated + self.threads_unchanged

    @property
    def comments(self) -> int:
        return self.comments_created + self.comments_updated + self.comments_unchanged


class ImportFailed(VecheError):
    """Under --strict, a record that could not be taken: `report` says what was written
    (whole threads, each committed) before the failing one, of which nothing was."""

    def __init__(self, message: str, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report


class Progress(Protocol):
    """Told after each thread, written or skipped (importers/progress.py draws it)."""

    def advance(self, report: ImportReport, title: str) -> None: ...
