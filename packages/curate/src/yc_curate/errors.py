"""Errors raised by yc_curate. Each carries a one-line ``hint`` naming the fix."""

from __future__ import annotations


class CurateError(Exception):
    """A curation problem the user can fix; ``hint`` says how."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class MissingExtraError(CurateError):
    """An optional backend was selected but its extra is not installed."""

    def __init__(self, feature: str, extra: str, package: str = "yc-curate") -> None:
        super().__init__(
            f"{feature} needs the optional dependency '{extra}'",
            hint=f"install it: uv pip install '{package}[{extra}]'  (or: uv sync --all-packages --all-extras)",
        )
        self.extra = extra
