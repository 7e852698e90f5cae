"""``yc eval``: not built yet (issue 8 (infer/merge/eval))."""

from __future__ import annotations

import typer

from yc_cli.errors import NotBuiltError


def register(app: typer.Typer) -> None:
    app.command("eval", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(evaluate)


def evaluate(ctx: typer.Context) -> None:
    """Not built yet (issue 8 (infer/merge/eval))."""
    raise NotBuiltError("eval", "issue 8 (infer/merge/eval)")
