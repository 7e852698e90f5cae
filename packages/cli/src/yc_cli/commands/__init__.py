"""Command groups of ``yc``; each module has ``register(app)``. Keep imports here light (no torch)."""

from yc_cli.commands import (
    collect,
    curate,
    doctor,
    evaluate,
    infer,
    merge,
    publish,
    status,
    train,
    transcribe,
)

# Order is the order of `yc --help`: the pipeline first, then the workspace views.
COMMAND_MODULES = [collect, transcribe, curate, publish, train, infer, merge, evaluate, status, doctor]
