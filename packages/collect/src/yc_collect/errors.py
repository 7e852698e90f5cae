"""Errors raised by yc_collect. Each carries a one-line ``hint`` naming the fix."""

from __future__ import annotations


class CollectError(Exception):
    """A collection problem the user can fix; ``hint`` says how."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint
