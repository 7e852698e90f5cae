"""``yc curate``: transcribe -> summarize -> render, each step doing only what is missing.

``run(store, transcribe=..., summarize=..., render=..., console=...)`` takes one options dict per step
(keyword arguments of that stage's ``run``; ``transcribe=None`` skips transcription) and returns
``{"transcribe": ..., "summarize": ..., "render": ...}`` summary dicts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from yc_cli.store import Store

log = logging.getLogger(__name__)


def run(
    store: Store,
    *,
    transcribe: Mapping[str, Any] | None = None,
    summarize: Mapping[str, Any] | None = None,
    render: Mapping[str, Any] | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Run the three steps in order; each is incremental (see the stage modules)."""
    from yc_cli.stages import render as render_stage
    from yc_cli.stages import summarize as summarize_stage

    out: dict[str, Any] = {}
    if transcribe is not None:
        from yc_cli.stages import transcribe as transcribe_stage

        out["transcribe"] = transcribe_stage.run(store, console=console, **dict(transcribe))
    summarize = dict(summarize or {})
    out["summarize"] = summarize_stage.run(store, console=console, **summarize)
    render = dict(render or {})
    render.setdefault("summary_hash", out["summarize"]["prompt_hash"])
    out["render"] = render_stage.run(store, console=console, **render)
    return out
