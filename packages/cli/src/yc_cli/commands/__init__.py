"""Command groups of ``yc``; each module has ``register(app)``. Keep imports here light (no torch)."""

from yc_cli.commands import (
    collect,
    compact,
    curate,
    doctor,
    evaluate,
    export,
    infer,
    merge,
    publish,
    status,
    train,
    transcribe,
    ui,
)

# Order is the order of `yc --help`: the pipeline first, then the workspace views.
COMMAND_MODULES = [
    collect,
    transcribe,
    curate,
    publish,
    train,
    infer,
    merge,
    export,
    evaluate,
    status,
    compact,
    doctor,
    ui,
]
