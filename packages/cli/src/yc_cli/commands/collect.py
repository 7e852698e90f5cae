"""``yc collect``: not built yet (issue 3 (collect))."""

from __future__ import annotations

import typer

from yc_cli.errors import NotBuiltError


def register(app: typer.Typer) -> None:
    app.command("collect", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(collect)


def collect(ctx: typer.Context) -> None:
    """Not built yet (issue 3 (collect))."""
    raise NotBuiltError("collect", "issue 3 (collect)")
