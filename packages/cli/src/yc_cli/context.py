"""What every command gets from the global options: the workspace (and its store) and the debug flag."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the store pulls polars + pyarrow: keep `yc --help` fast
    from yc_cli.store import Store

DEFAULT_WORKSPACE = Path("data") / "default"


def resolve_workspace(option: Path | None) -> Path:
    """``--workspace``, else ``YC_WORKSPACE``, else ``./data/default``."""
    if option is not None:
        return option
    env = os.environ.get("YC_WORKSPACE")
    return Path(env) if env else DEFAULT_WORKSPACE


@dataclass
class State:
    workspace: Path
    debug: bool = False

    @property
    def store(self) -> Store:
        from yc_cli.store import Store

        return Store(self.workspace)


def state(ctx: typer.Context) -> State:
    """The State set by the root callback (a fresh default one when a command is invoked directly)."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State(resolve_workspace(None))
    return root.obj
