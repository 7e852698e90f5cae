"""Errors raised by yc_train. Each carries a one-line ``hint`` naming the fix."""

from __future__ import annotations


class TrainError(Exception):
    """A training / inference problem the user can fix; ``hint`` says how."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class ConfigError(TrainError):
    """One or more problems in a training config, all reported together.

    ``problems`` is a list of ``(key_path, message)``.
    """

    def __init__(self, problems: list[tuple[str, str]], hint: str | None = None) -> None:
        self.problems = problems
        lines = "; ".join(f"{path}: {msg}" for path, msg in problems)
        super().__init__(
            f"{len(problems)} problem(s) in the config: {lines}",
            hint or "fix the keys named above (see: yc train schema)",
        )
