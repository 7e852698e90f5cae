"""Terminal rendering for the CLI: progress bars and messages (stderr), tables and JSON results (stdout).

Off a terminal (a pipe, a file, CI) nothing is cut or wrapped to 80 columns and progress bars are off;
errors are not rendered here but as two plain lines by :mod:`yc_cli.app`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
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

UNCUT = 100_000  # columns off a terminal: a piped table or message is never truncated with "…"


def _console(stderr: bool) -> Console:
    """A console writing to the current stdout/stderr; off a terminal as wide as its content."""
    probe = Console(stderr=stderr, highlight=False)
    return probe if probe.is_terminal else Console(stderr=stderr, highlight=False, width=UNCUT)


console = _console(stderr=True)  # progress, notes, warnings
out = _console(stderr=False)  # results a user may pipe (tables, JSON)


printed_json = False  # a result went to stdout: a later error adds no second JSON document


def print_json(data: Any) -> None:
    """A result as JSON on stdout: plain text (no colours, no wrapping), one document."""
    global printed_json
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    printed_json = True


def table_json(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[Mapping[str, Any]]:
    """A table's rows as JSON objects keyed by the table's column names (``--json`` mirrors the table)."""
    return [dict(zip(columns, row, strict=False)) for row in rows]


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
    return Progress(*columns, console=console, transient=False, disable=not console.is_terminal)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A plain rich table (title, header, rows as strings)."""
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c)
    for row in rows:
        t.add_row(*(Text("" if v is None else str(v)) for v in row))  # data, never markup
    return t
