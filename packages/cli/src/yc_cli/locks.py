"""One writer per table: a file lock per table under ``<workspace>/.yc/locks/``, held for a whole stage run.

Two runs of a stage on one workspace would fetch and write the same keys at the same time (two
``yc collect`` left each other's rows failed), and Delta MERGEs from two processes conflict. A stage takes
the locks of the tables it writes before it reads what is missing, so a second run waits for the first,
then finds its work done. Readers never lock: Delta versions are snapshots.

The lock is the operating system's (``filelock``: ``flock`` / ``LockFileEx``), so a killed run never leaves
a stale lock behind. Who holds it is written beside it (``<table>.owner``: pid, command, start time) for the
waiting message.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yc_collect.redaction import redact_urls

if TYPE_CHECKING:
    from rich.console import Console

    from yc_cli.store import Store

log = logging.getLogger(__name__)

LOCK_DIR = Path(".yc") / "locks"

OnWait = Callable[[str, str], None]  # (table, who holds it) -> None


def holder(root: Path, table: str) -> str:
    """Who holds ``table``'s lock, in words (from the owner file; 'another yc run' when unknown)."""
    try:
        info = json.loads((root / LOCK_DIR / f"{table}.owner").read_text())
        return f"pid {info['pid']}: {info['command']} (since {info['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another yc run"


@contextmanager
def _one(root: Path, table: str, on_wait: OnWait | None) -> Iterator[None]:
    from filelock import FileLock, Timeout

    folder = root / LOCK_DIR
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / f"{table}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        who = holder(root, table)
        if on_wait is not None:
            on_wait(table, who)
        else:
            log.warning("waiting for the '%s' table, which another run is writing (%s)", table, who)
        lock.acquire()  # blocks until the other run ends (Ctrl-C stops waiting)
    owner_file = folder / f"{table}.owner"
    try:
        command = redact_urls(" ".join(["yc", *sys.argv[1:]]))
        owner = {
            "pid": os.getpid(),
            "command": command,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        owner_file.write_text(json.dumps(owner))
        yield
    finally:
        owner_file.unlink(missing_ok=True)  # ours: written above, while holding the lock
        lock.release()


def console_waiter(console: Console | None) -> OnWait | None:
    """An ``on_wait`` that tells the user on ``console`` why nothing happens (None: a logged warning)."""
    if console is None:
        return None

    def tell(table: str, who: str) -> None:
        console.print(
            f"[yellow]waiting:[/yellow] another run is writing the '{table}' table ({who}); "
            "this one continues when it ends (Ctrl-C stops waiting)"
        )

    return tell


@contextmanager
def writing(root: Path, tables: Sequence[str], on_wait: OnWait | None = None) -> Iterator[None]:
    """Hold the write locks of ``tables`` (taken in one fixed order, so two stages never deadlock)."""
    from yc_cli.tables import SCHEMAS

    order = [t for t in SCHEMAS if t in set(tables)]
    with ExitStack() as stack:
        for table in order:
            stack.enter_context(_one(Path(root), table, on_wait))
        yield


def writes(*tables: str, creates: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for a stage's ``run(store, ..., console=...)``: it runs holding ``tables``' write locks.

    A stage that reads an input table (``creates`` False) runs unlocked when the workspace folder does not
    exist: it has nothing to write and fails on its missing input, and taking a lock would create it.
    """

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(store: Store, *args: Any, **kwargs: Any) -> Any:
            if not creates and not store.root.is_dir():
                return fn(store, *args, **kwargs)
            with store.writing(*tables, on_wait=console_waiter(kwargs.get("console"))):
                return fn(store, *args, **kwargs)

        return run

    return wrap
