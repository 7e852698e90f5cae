"""``yc publish``: not built yet (issue 6 (publish))."""

from __future__ import annotations

import typer

from yc_cli.errors import NotBuiltError


def register(app: typer.Typer) -> None:
    app.command("publish", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(publish)


def publish(ctx: typer.Context) -> None:
    """Not built yet (issue 6 (publish))."""
    raise NotBuiltError("publish", "issue 6 (publish)")
