"""Errors raised by yc_collect. Each carries a one-line ``hint`` naming the fix."""

from __future__ import annotations


class CollectError(Exception):
    """A collection problem the user can fix; ``hint`` says how."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class OptionsError(CollectError):
    """One or more invalid options; ``problems`` lists every one (they are reported together)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "invalid options: " + "; ".join(self.problems), "fix the options named above and rerun"
        )


class SourceError(CollectError):
    """The source cannot be listed (unknown form, unreachable, not a feed/channel/folder)."""
