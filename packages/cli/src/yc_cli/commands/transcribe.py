"""``yc transcribe``: not built yet (issue 4 (transcription))."""

from __future__ import annotations

import typer

from yc_cli.errors import NotBuiltError


def register(app: typer.Typer) -> None:
    app.command("transcribe", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(transcribe)


def transcribe(ctx: typer.Context) -> None:
    """Not built yet (issue 4 (transcription))."""
    raise NotBuiltError("transcribe", "issue 4 (transcription)")
