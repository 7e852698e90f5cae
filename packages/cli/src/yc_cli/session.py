"""What one ``yc`` process sets up before a command runs: global options anywhere on the line, quiet
third-party libraries (no progress bars off a terminal, no warnings that do not concern the user, each
message once) and Ctrl-C that always ends the process within 2 seconds with exit code 130."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# Options of the root command that may also follow the subcommand: (names, takes a value).
GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("--workspace", "-w"), True),
    (("--debug",), False),
    (("--json",), False),
)
INTERRUPTED = "yc: interrupted; rerun to resume"
HARD_EXIT_S = 1.5  # a command that has not unwound by then is ended (stages lose at most a batch)


@dataclass(frozen=True)
class Flags:
    debug: bool = False
    json: bool = False


def hoist_globals(argv: list[str]) -> tuple[list[str], Flags]:
    """Move the global options to the front (Click accepts them only before the subcommand).

    ``--`` ends the scan: what follows is positional. Returns the new argument list and the flags.
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        taken = 0
        for names, valued in GLOBAL_OPTIONS:
            if arg in names:
                # a value-less one at the end stays put: Click then says it requires an argument
                taken = (2 if i + 1 < len(argv) else 0) if valued else 1
            elif valued and any(
                arg.startswith(f"{n}=") if n.startswith("--") else (arg.startswith(n) and len(arg) > len(n))
                for n in names
            ):
                taken = 1
            if taken:
                break
        if taken:
            front += argv[i : i + taken]
            i += taken
        else:
            rest.append(arg)
            i += 1
    return front + rest, Flags(debug="--debug" in front, json="--json" in front)


# -- quiet libraries --------------------------------------------------------------------------------
class _Once(logging.Filter):
    """Each message once; other libraries' records below ERROR only with --debug."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug
        self.seen: set[tuple[str, int, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name.split(".")[0].startswith("yc_")
        if not (ours or self.debug or record.levelno >= logging.ERROR):
            return False
        key = (record.name, record.levelno, record.getMessage())
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


class _Stderr(logging.StreamHandler):
    """Writes to the current ``sys.stderr`` (tests swap it), as ``warning: message``."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass

    def format(self, record: logging.LogRecord) -> str:
        where = f" {record.name}" if self.debug else ""
        return f"{record.levelname.lower()}{where}: {record.getMessage()}" + (
            "\n" + self.formatException(record.exc_info) if record.exc_info and self.debug else ""
        )


def quiet_libraries(debug: bool = False) -> None:
    """Progress bars of libraries off when stderr is not a terminal; warnings that do not concern the user
    off (all of them back with --debug); yc's own log messages as ``warning: …``, each once."""
    if not sys.stderr.isatty():
        os.environ.setdefault("TQDM_DISABLE", "1")  # tqdm (transformers, datasets, whisper)
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "info" if debug else "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("BITSANDBYTES_NOWELCOME", "1")
    warnings.resetwarnings()
    if debug:
        warnings.simplefilter("default")
    else:
        warnings.simplefilter("ignore")  # third-party deprecations and advice: not the user's business
        warnings.filterwarnings("once", module=r"yc_")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(handler)
    handler = _Stderr(debug)
    handler.addFilter(_Once(debug))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.captureWarnings(False)


# -- Ctrl-C -----------------------------------------------------------------------------------------
_state: dict[str, Any] = {"interrupted": False, "said": False, "signals": 0}
_lock = threading.Lock()


def was_interrupted() -> bool:
    return _state["interrupted"]


def say_interrupted() -> None:
    """Print the interrupt line once (from the main thread or the hard-exit timer)."""
    with _lock:
        if _state["said"]:
            return
        _state["said"] = True
    os.write(2, (INTERRUPTED + "\n").encode())


def _hard_exit() -> None:
    say_interrupted()
    os._exit(130)


def _arm() -> None:
    """One SIGINT: end the process in HARD_EXIT_S unless it ends first; a second one: now."""
    with _lock:
        _state["interrupted"] = True
        _state["signals"] += 1
        again = _state["signals"] > 1
    if again:
        _hard_exit()
    timer = threading.Timer(HARD_EXIT_S, _hard_exit)
    timer.daemon = True
    timer.start()


def _on_sigint(signum: int, frame: object) -> None:
    _state["interrupted"] = True  # the watcher arms the timer
    raise KeyboardInterrupt


def _watch(read_fd: int) -> None:
    """Sees every SIGINT at once, even while the main thread is blocked in C code or a lock (Python
    runs signal handlers only in the main thread, and only between bytecodes)."""
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while data := pipe.read(64):
            for _ in range(data.count(signal.SIGINT)):
                _arm()


@contextmanager
def interrupts() -> Iterator[None]:
    """Within: Ctrl-C raises KeyboardInterrupt in the main thread and ends the process within
    HARD_EXIT_S even when the command cannot unwind (a thread blocked on the network, C code)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state.update(interrupted=False, said=False, signals=0)
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    previous = signal.signal(signal.SIGINT, _on_sigint)
    threading.Thread(target=_watch, args=(read_fd,), name="yc-sigint", daemon=True).start()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.set_wakeup_fd(previous_fd)
        os.close(write_fd)  # the watcher reads EOF and ends


@contextmanager
def serving() -> Iterator[None]:
    """For a command whose normal end is Ctrl-C (``yc ui``'s server): within, SIGINT is the command's own
    (a plain KeyboardInterrupt, no hard-exit timer, no "interrupted" exit 130)."""
    previous_fd = signal.set_wakeup_fd(-1)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.set_wakeup_fd(previous_fd)
