"""``yc train`` and ``yc preprocess``: not built yet (issue 7)."""

from __future__ import annotations

import typer

from yc_cli.errors import NotBuiltError

_EXTRA = {"allow_extra_args": True, "ignore_unknown_options": True}


def register(app: typer.Typer) -> None:
    app.command("train", context_settings=_EXTRA)(train)
    app.command("preprocess", context_settings=_EXTRA)(preprocess)


def train(ctx: typer.Context) -> None:
    """Not built yet (issue 7: train)."""
    raise NotBuiltError("train", "issue 7 (train)")


def preprocess(ctx: typer.Context) -> None:
    """Not built yet (issue 7: train)."""
    raise NotBuiltError("preprocess", "issue 7 (train)")
