"""The ``yc`` command: one Typer app, one module per command group under :mod:`yc_cli.commands`.

Start-up stays light (no torch, no transformers): command modules import their heavy libraries inside
the command functions. Errors from any stage are rendered as one table with a fix; ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
import typer

from yc_cli import __version__
from yc_cli.commands import COMMAND_MODULES
from yc_cli.context import State, resolve_workspace
from yc_cli.errors import explain

app = typer.Typer(
    name="yc",
    help=(
        "yc turns a creator's channel into a fine-tuning dataset and a model in their voice.\n\n"
        "Pipeline: collect -> curate (transcribe, summarize, render) -> publish -> train -> infer / merge / eval.\n"
        "Every stage reads and writes versioned Delta tables in a workspace (see: yc status)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"yc {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        help="Workspace directory holding the tables (env YC_WORKSPACE; default ./data/default).",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks and debug logs."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    ctx.obj = State(workspace=resolve_workspace(workspace), debug=debug)
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


for _module in COMMAND_MODULES:
    _module.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, render any error as one line with a fix, return the exit code."""
    from yc_cli.render import console, errors_table

    argv = sys.argv[1:] if argv is None else argv
    command = typer.main.get_command(app)
    debug = "--debug" in argv
    try:
        rv = command.main(args=argv, prog_name="yc", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.exceptions.Abort:
        console.print("[red]aborted[/red]")
        return 130
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except typer.Exit as done:
        return done.exit_code
    except BaseException as err:
        if isinstance(err, SystemExit):
            return int(err.code or 0) if not isinstance(err.code, str) else 1
        if debug:
            console.print_exception(show_locals=False)
        console.print(errors_table([explain(err)]))
        return 130 if isinstance(err, KeyboardInterrupt) else 1


if __name__ == "__main__":
    sys.exit(main())
