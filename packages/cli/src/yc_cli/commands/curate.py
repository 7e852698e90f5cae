"""``yc curate``, ``yc summarize``, ``yc render``: not built yet (issue 5)."""

from __future__ import annotations

import typer

from yc_cli.errors import NotBuiltError

_EXTRA = {"allow_extra_args": True, "ignore_unknown_options": True}


def register(app: typer.Typer) -> None:
    app.command("curate", context_settings=_EXTRA)(curate)
    app.command("summarize", context_settings=_EXTRA)(summarize)
    app.command("render", context_settings=_EXTRA)(render)


def curate(ctx: typer.Context) -> None:
    """Not built yet (issue 5: curate)."""
    raise NotBuiltError("curate", "issue 5 (curate)")


def summarize(ctx: typer.Context) -> None:
    """Not built yet (issue 5: curate)."""
    raise NotBuiltError("summarize", "issue 5 (curate)")


def render(ctx: typer.Context) -> None:
    """Not built yet (issue 5: curate)."""
    raise NotBuiltError("render", "issue 5 (curate)")
