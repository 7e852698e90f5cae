"""What every command gets from the global options: the workspace (and its store), --debug and --json."""

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
    json: bool = False

    @property
    def store(self) -> Store:
        from yc_cli.store import Store

        return Store(self.workspace)


def state(ctx: typer.Context) -> State:
    """The State set by the root callback (a fresh default one when a command is invoked directly)."""
    from yc_cli.errors import StoreError

    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State(resolve_workspace(None))
    ws = root.obj.workspace
    if ws.exists() and not ws.is_dir():
        raise StoreError(
            f"workspace {ws} is a file, not a folder",
            "point --workspace (or YC_WORKSPACE) at a folder; a new name creates one",
        )
    return root.obj


def writable(st: State) -> Store:
    """The store of a command that writes, after checking the workspace can be written.

    Checked up front: a Delta write into a read-only folder makes the Rust runtime print a panic.
    """
    from yc_cli.errors import StoreError

    folder = next((p for p in (st.workspace, *st.workspace.absolute().parents) if p.exists()), None)
    if folder is not None and not os.access(folder, os.W_OK):
        where = "" if folder == st.workspace else f" ({folder} cannot be written)"
        raise StoreError(
            f"workspace {st.workspace} is on a read-only file system{where}",
            "choose a writable workspace: --workspace DIR or YC_WORKSPACE=DIR",
        )
    return st.store
