"""The ``yc`` command: one Typer app, one module per command group under :mod:`yc_cli.commands`.

Start-up stays light (no torch, no transformers): command modules import their heavy libraries inside
the command functions. The contract with the user (docs/errors.md, README "Errors and exit codes"):

- global options (``--workspace/-w``, ``--debug``, ``--json``) go before or after the subcommand;
- usage errors print Click's usage line, the error (with a did-you-mean) and "Try 'yc X --help'", exit 2;
- any other error is at most two plain lines on stderr (``yc: error: …`` / ``fix: …``), exit 1; with
  ``--json`` a JSON error object goes to stdout as well; ``--debug`` adds the traceback;
- Ctrl-C prints "interrupted; rerun to resume" and exits 130 within 2 seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from typer._click import exceptions as click_exc

from yc_cli import __version__
from yc_cli.commands import COMMAND_MODULES
from yc_cli.context import State, resolve_workspace
from yc_cli.errors import explain
from yc_cli.session import Flags, hoist_globals, interrupts, quiet_libraries, was_interrupted

app = typer.Typer(
    name="yc",
    help=(
        "yc turns a creator's channel into a fine-tuning dataset and a model in their voice.\n\n"
        "Pipeline: collect -> curate (transcribe, summarize, render) -> publish -> train -> infer / merge / eval.\n"
        "Every stage reads and writes versioned Delta tables in a workspace (see: yc status).\n\n"
        "Global options (--workspace, --debug, --json) may also follow the subcommand. Exit codes: 0 done, "
        "1 error, 2 usage error, 130 interrupted."
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
    as_json: bool = typer.Option(
        False, "--json", help="Print results (and errors) as JSON on stdout, for commands that report one."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    ctx.obj = State(workspace=resolve_workspace(workspace), debug=debug, json=as_json)


for _module in COMMAND_MODULES:
    _module.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; render any error as at most two lines with a fix; return the exit code."""
    args, flags = hoist_globals(list(sys.argv[1:] if argv is None else argv))
    render = sys.modules.get("yc_cli.render")
    if render is not None:  # in-process callers (tests) run main more than once
        render.printed_json = False
    quiet_libraries(debug=flags.debug)
    command = typer.main.get_command(app)
    with interrupts():
        try:
            rv = command.main(args=args, prog_name="yc", standalone_mode=False)
            code = rv if isinstance(rv, int) else 0
        except click_exc.UsageError as err:
            if err.ctx is None:  # an error in the root's own options: still show the usage line
                err.ctx = command.make_context("yc", [], resilient_parsing=True)
            err.show()  # Click's own: usage line, "Try 'yc X --help' for help.", the error; exit 2
            path = err.ctx.command_path if err.ctx is not None else "yc"
            _json_error(flags.json, "usage", err.format_message(), f"{path} --help", 2)
            return 2
        except click_exc.ClickException as err:
            err.show()
            return err.exit_code
        except typer.Exit as done:
            code = done.exit_code
        except typer.Abort:
            code = 130
        except KeyboardInterrupt:
            code = 130
        except BrokenPipeError:  # `yc … | head`: the reader left; say nothing, like Click
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except BaseException as err:
            if isinstance(err, SystemExit):
                return int(err.code or 0) if not isinstance(err.code, str) else 1
            return _runtime_error(err, flags)
    if code == 130 or was_interrupted():
        _say_interrupted(flags.json)
        return 130
    return code


def _runtime_error(err: BaseException, flags: Flags) -> int:
    """At most two plain lines on stderr (the traceback first with --debug); a JSON object with --json."""
    import traceback

    problem = explain(err)
    if flags.debug:
        traceback.print_exception(err)
    lines = [f"yc: error: {problem.message}"] + ([f"fix: {problem.hint}"] if problem.hint else [])
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
    _json_error(flags.json, problem.kind, problem.message, problem.hint, 1)
    return 1


def _say_interrupted(as_json: bool) -> None:
    from yc_cli.session import say_interrupted

    say_interrupted()
    _json_error(as_json, "interrupted", "interrupted", "rerun the same command: it resumes", 130)


def _json_error(as_json: bool, kind: str, message: str, fix: str | None, code: int) -> None:
    """With --json: ``{"error": …}`` on stdout, unless the command already printed its JSON result."""
    render = sys.modules.get("yc_cli.render")
    if not as_json or getattr(render, "printed_json", False):
        return
    import json

    error = {"kind": kind, "message": message, "fix": fix, "exit_code": code}
    sys.stdout.write(json.dumps({"error": error}) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
