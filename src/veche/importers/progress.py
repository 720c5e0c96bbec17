"""The import's progress bar and closing summary, drawn with rich. A file streams, so the
total is unknown: the bar counts threads and comments as they are written."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from veche.importers.loader import ImportReport


class RichProgress:
    """Live on a terminal; silent otherwise (the summary prints either way)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.fields[threads]} threads, {task.fields[comments]} comments"),
            TextColumn("[dim]{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
            transient=True,
        )
        self._task = self._bar.add_task("", threads=0, comments=0)

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def advance(self, report: ImportReport, title: str) -> None:
        self._bar.update(
            self._task, description=title[:60], threads=report.threads, comments=report.comments
        )


def summary(report: ImportReport) -> Table:
    """Counts by kind: what was created, updated and left as it was."""
    table = Table(title=f"Import from {report.source} into site “{report.site}”")
    table.add_column("")
    for column in ("created", "updated", "unchanged"):
        table.add_column(column, justify="right")
    table.add_row(
        "threads", str(report.threads_created), str(report.threads_updated),
        str(report.threads_unchanged),
    )  # fmt: skip
    table.add_row(
        "comments", str(report.comments_created), str(report.comments_updated),
        str(report.comments_unchanged),
    )  # fmt: skip
    table.add_row("authors", str(report.authors_created), "", "")
    table.add_row("skipped", str(len(report.skipped)), "", "")
    return table


def skipped_lines(report: ImportReport, shown: int = 50) -> list[str]:
    """The first skipped records, each with where it was and why, one per line."""
    lines = [f"skipped {r.where}: {r.reason}" for r in report.skipped[:shown]]
    if len(report.skipped) > shown:
        lines.append(f"… and {len(report.skipped) - shown} more skipped")
    return lines
