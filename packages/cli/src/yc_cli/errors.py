"""One table mapping exceptions to a one-line message and a hint (the fix); tracebacks only with
``--debug``. :mod:`yc_cli.app` prints them as ``yc: error: …`` / ``fix: …``."""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass

from yc_collect.errors import CollectError
from yc_curate.errors import CurateError


class YcError(Exception):
    """A CLI-level problem the user can fix; ``hint`` says how."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class StoreError(YcError):
    """The workspace or one of its tables cannot be read or written."""


class NotBuiltError(YcError):
    """A command of the pipeline that this version does not implement yet."""

    def __init__(self, command: str, issue: str) -> None:
        super().__init__(
            f"'yc {command}' is not built yet ({issue})", hint="see README.md for what works today"
        )


@dataclass(frozen=True)
class Explained:
    kind: str
    message: str
    hint: str | None


_SECRET = re.compile(r"(?i)(token|key|authorization|bearer)([\s:=]+)([A-Za-z0-9_\-\.]{8,})")


def redact(text: str) -> str:
    """Remove anything that looks like a credential: the values of the known secret variables, token-like
    words, and credentials inside URLs (userinfo, key / token / sig ... query parameters)."""
    import os

    from yc_collect.redaction import redact_urls

    text = redact_urls(text)

    for var in ("HF_TOKEN", "DEEPGRAM_API_KEY", "OPENAI_API_KEY", "HUGGING_FACE_HUB_TOKEN", "WANDB_API_KEY"):
        value = os.environ.get(var)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)


def _train_errors() -> tuple[tuple[type[BaseException], str], ...]:
    """yc_train's error classes when training is installed (it is an optional part of yc-cli)."""
    try:
        from yc_train.errors import ConfigError, TrainError
    except ImportError:
        return ()
    return ((ConfigError, "config"), (TrainError, "train"))


def explain(exc: BaseException) -> Explained:
    """Map an exception to (kind, one-line message, hint). Unknown ones keep their type name."""
    message = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    hint = getattr(exc, "hint", None)
    for cls, kind in (*_train_errors(), (YcError, "yc"), (CollectError, "collect"), (CurateError, "curate")):
        if isinstance(exc, cls):
            return Explained(kind, message, hint)
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == "yc_train":
        return Explained(
            "missing extra",
            "training is not installed (yc-train is an optional part of yc-cli)",
            "pip install 'yc-cli[train]' (in this repo: uv sync --all-packages)",
        )
    if isinstance(exc, ModuleNotFoundError):
        return Explained(
            "missing dependency",
            message,
            "install yc with its extras: uv sync --all-packages --all-extras (or pip install 'yc-cli[all]')",
        )
    if isinstance(exc, NotADirectoryError) or (isinstance(exc, OSError) and exc.errno == errno.ENOTDIR):
        return Explained(
            "not a folder",
            f"a file is in the way where yc needs a folder: {exc.filename or message}",
            "check the path: --workspace and output options name folders, not files",
        )
    if isinstance(exc, TypeError) and "no loader for this environment" in str(exc):
        return Explained(
            "template",
            "the template uses {% include %}, {% import %} or {% extends %}: a yc template is one file",
            "paste the other template's text into this file (templates cannot load other files)",
        )
    if type(exc).__name__ == "PanicException":  # a Rust library (deltalake) gave up
        return Explained(
            "storage",
            f"the table library stopped: {message}",
            "check that the workspace is writable and has free space; --debug shows details",
        )
    if isinstance(exc, PermissionError) or (
        isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES)
    ):
        return Explained(
            "permission", message, "choose a writable workspace: --workspace DIR or YC_WORKSPACE=DIR"
        )
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return Explained(
            "disk full", message, "free disk space or move the workspace (--workspace DIR); rerun resumes"
        )
    if isinstance(exc, FileNotFoundError):
        return Explained("not found", message, "check the path")
    if isinstance(exc, KeyboardInterrupt):
        return Explained("interrupted", "interrupted", "rerun the same command: it resumes where it stopped")
    return Explained(type(exc).__name__, message, "rerun with --debug for the full traceback")
