"""``yc compact [TABLE ...]``: merge a table's small files and vacuum the files no recent version reads."""

from __future__ import annotations

import typer

from yc_cli.context import state
from yc_cli.render import out, print_json, table


def register(app: typer.Typer) -> None:
    app.command("compact")(compact)


def compact(
    ctx: typer.Context,
    tables: list[str] = typer.Argument(None, help="Tables to compact (default: every table there is)."),
    retain_hours: int = typer.Option(
        168,
        "--retain-hours",
        min=0,
        help="Keep the files that versions of the last N hours read, so `--version` still reads them.",
    ),
) -> None:
    """Compact tables: rewrite the small files of batch commits into large ones, then delete the files
    that no version younger than --retain-hours reads. `yc log` keeps listing every version; stages do
    this by themselves once a table has many small files. With --json: the same as JSON on stdout."""
    from yc_cli.locks import console_waiter
    from yc_cli.render import console
    from yc_cli.tables import SCHEMAS

    st = state(ctx)
    store, as_json = st.store, st.json
    names = list(tables or [t for t in SCHEMAS if store.exists(t)])
    for name in names:
        store.require(name, "a stage that writes it")
    results = []
    for name in names:
        with store.writing(name, on_wait=None if as_json else console_waiter(console)):
            results.append(store.compact(name, retain_hours=retain_hours))
    if as_json:
        print_json(results)
        return
    out.print(
        table(
            f"compacted (files kept for {retain_hours} h of versions)",
            ["table", "files before", "files after", "files vacuumed", "version"],
            [(r["table"], r["files_before"], r["files_after"], r["vacuumed"], r["version"]) for r in results],
        )
    )
