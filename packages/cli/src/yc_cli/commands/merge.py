"""``yc merge``: not built yet (issue 8 (infer/merge/eval))."""

from __future__ import annotations

import typer

from yc_cli.errors import NotBuiltError


def register(app: typer.Typer) -> None:
    app.command("merge", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(merge)


def merge(ctx: typer.Context) -> None:
    """Not built yet (issue 8 (infer/merge/eval))."""
    raise NotBuiltError("merge", "issue 8 (infer/merge/eval)")
