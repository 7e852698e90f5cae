"""``yc status`` and ``yc log TABLE``: what the workspace holds, versions and lineage."""

from __future__ import annotations

import json

import typer

from yc_cli.context import state
from yc_cli.errors import YcError
from yc_cli.published import latest_published
from yc_cli.render import out, print_json, table


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("log")(log_)


def status(ctx: typer.Context) -> None:
    """Show each table's version, rows, last commit and lineage (which input version it was built from).

    Rows kept after a redo of them failed are counted below the table (the error is in the row; the
    stage's next run tries them again). With --json: the same as JSON on stdout.
    """
    st = state(ctx)
    as_json = st.json
    if not st.workspace.is_dir():
        raise YcError(
            f"workspace {st.workspace} does not exist",
            "run `yc collect SOURCE` to create it, or point at one with --workspace DIR / YC_WORKSPACE",
        )
    rows = st.store.status()
    published = latest_published(st.workspace)  # -- yc publish's record (see yc_cli/published.py)
    if as_json:
        print_json({"workspace": str(st.workspace), "tables": rows, "published": published})
        return
    out.print(
        table(
            f"workspace {st.workspace}",
            ["table", "version", "rows", "last commit (UTC)", "stage", "built from"],
            [
                (
                    r["table"],
                    "-" if r["version"] is None else r["version"],
                    r["rows"],
                    r["last_commit"] or "-",
                    r["stage"] or "-",
                    ", ".join(f"{k} v{v}" for k, v in r["inputs"].items()) or "-",
                )
                for r in rows
            ],
        )
    )
    for r in rows:
        if r["redo_failed"]:
            n = r["redo_failed"]
            out.print(
                f"{r['table']}: {n} row{'s' if n != 1 else ''} kept after a failed redo "
                "(the row's error says why; the next run tries again)"
            )
    _show_published(published)


# -- published: what yc publish uploaded from this workspace --------------------------------------
def _show_published(published: list[dict]) -> None:
    if not published:
        return
    rows = []
    for p in published:
        source = (
            f"examples v{p['table_version']}"
            if p.get("table_version") is not None
            else f"model {str(p.get('source', '')).rstrip('/').rsplit('/', 1)[-1]}"
        )
        commit = (p.get("commit") or "")[:12] + ("" if p.get("changed", True) else " (same)")
        when = (p.get("published_at") or "").replace("T", " ")[:16]
        rows.append((f"{p.get('repo_id')}@{p.get('revision')}", commit, source, when))
    out.print(table("published to the Hub", ["repo@revision", "commit", "from", "when (UTC)"], rows))


def log_(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Table: videos, transcripts, summaries or examples."),
) -> None:
    """List a table's versions, newest first: when, what stage, rows written or replaced, rows deleted,
    parameters, inputs. Any version listed reads back with --version where a command takes one (yc
    compact keeps the files of the last week's versions). With --json: the same as JSON on stdout.
    """
    st = state(ctx)
    history = st.store.history(name)
    if st.json:
        print_json(history)
        return
    out.print(
        table(
            f"{name}: versions",
            ["version", "timestamp (UTC)", "operation", "rows", "deleted", "stage", "parameters", "inputs"],
            [
                (
                    h["version"],
                    h["timestamp"],
                    h["operation"],
                    "-" if h["rows"] is None else h["rows"],
                    h["deleted"] or "-",
                    h["stage"] or "-",
                    json.dumps(h["params"], sort_keys=True),
                    ", ".join(f"{k} v{v}" for k, v in h["inputs"].items()) or "-",
                )
                for h in history
            ],
        )
    )
