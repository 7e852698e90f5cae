"""Terminal rendering for the CLI: progress bars, summary tables and the error table (rich, on stderr)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from yc_cli.errors import Explained

console = Console(stderr=True, highlight=False)
out = Console(highlight=False)  # results a user may pipe (tables, JSON)


def progress(*, bytes_: bool = False, extra: str | None = None) -> Progress:
    """A progress bar: items done / total, elapsed, ETA; optionally bytes and a free-text field."""
    columns: list[Any] = [
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    ]
    if bytes_:
        columns.append(DownloadColumn())
    if extra:
        columns.append(TextColumn(f"{{task.fields[{extra}]}}"))
    columns += [TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    return Progress(*columns, console=console, transient=False)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A plain rich table (title, header, rows as strings)."""
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c)
    for row in rows:
        t.add_row(*(Text("" if v is None else str(v)) for v in row))  # data, never markup
    return t


def errors_table(problems: Sequence[Explained]) -> Table:
    """One table of messages: what went wrong and the fix."""
    t = Table(title="yc: error", title_justify="left", show_lines=False)
    t.add_column("kind", style="red")
    t.add_column("message")
    t.add_column("fix", style="green")
    for p in problems:
        t.add_row(Text(p.kind), Text(p.message), Text(p.hint or ""))  # messages may hold "[/INST]"
    return t
