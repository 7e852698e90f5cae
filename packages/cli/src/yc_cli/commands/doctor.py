"""``yc doctor``: the first command on a new machine. What each stage needs, what is here, how to add the rest."""

from __future__ import annotations

import json
from enum import Enum

import typer

from yc_cli.context import state
from yc_cli.doctor import STAGES

Stage = Enum("Stage", {s: s for s in STAGES}, type=str)  # --for's choices

EXAMPLES = """[bold]Examples[/bold]

  yc doctor

  yc doctor --for train          exit 1 when something training needs is missing

  yc doctor --for collect --for publish --json
"""


def register(app: typer.Typer) -> None:
    app.command("doctor", epilog=EXAMPLES)(doctor)


def doctor(
    ctx: typer.Context,
    for_: list[Stage] = typer.Option(
        None,
        "--for",
        help="Stage(s) to hold the machine to: collect, curate, publish, train (default: collect, curate, "
        "and train when yc-train is installed).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Check this machine: Python, ffmpeg, yt-dlp's YouTube solver, torch and GPUs, optional accelerators,
    the Hub token (set or not, never its value) and free space. Each missing piece comes with the command
    that installs it; exits 1 when a stage asked for (--for) is missing something it needs."""
    from yc_cli.doctor import default_stages, run_checks
    from yc_cli.errors import YcError
    from yc_cli.render import out, table

    stages = tuple(s.value for s in for_) if for_ else default_stages()
    checks = run_checks(state(ctx).workspace)
    failing = [c for c in checks if c.fails(stages)]
    if as_json:
        payload = {"stages": list(stages), "ok": not failing, "checks": [c.as_dict() for c in checks]}
        out.print_json(json.dumps(payload))
    else:
        rows = [
            (
                c.status,
                c.name,
                c.detail,
                c.fix,
                "all" if set(c.needed_by) == set(STAGES) else ", ".join(c.needed_by),
            )
            for c in checks
        ]
        out.print(table("yc doctor", ["", "check", "found", "fix", "needed by"], rows))
    if failing:
        names = ", ".join(c.name for c in failing)
        raise YcError(
            f"missing for {', '.join(stages)}: {names}",
            "run the commands in the fix column, then `yc doctor` again",
        )
