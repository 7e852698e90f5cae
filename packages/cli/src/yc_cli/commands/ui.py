"""``yc ui``: the local web app (config editor, dataset browser, runs), on 127.0.0.1 with an access token."""

from __future__ import annotations

from pathlib import Path

import typer

from yc_cli.context import state

EXAMPLES = """[bold]Examples[/bold]

  yc ui

  yc ui --workspace data/fireship --config-dir . --port 8765
"""


def register(app: typer.Typer) -> None:
    app.command("ui", epilog=EXAMPLES)(ui)


def ui(
    ctx: typer.Context,
    workspace: Path | None = typer.Option(
        None, "--workspace", "-w", help="Workspace to browse (default: yc's --workspace / YC_WORKSPACE)."
    ),
    config_dir: Path = typer.Option(
        Path("."),
        "--config-dir",
        "-c",
        help="Folder of YAML configs (and training outputs) to open and save.",
    ),
    port: int = typer.Option(
        0, "--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."
    ),
) -> None:
    """Start the local web app on 127.0.0.1 and print its URL with the access token; Ctrl-C stops it.

    Config: a form from yc's schema, live validation, a save that keeps your comments.
    Dataset: the examples table with filters, search and the token-length histogram.
    Runs: loss and learning-rate curves, resolved config, eval report; two runs compared.
    """
    from yc_cli.errors import YcError
    from yc_cli.render import console
    from yc_cli.session import serving

    try:
        from yc_cli.ui import server
    except ModuleNotFoundError as err:
        raise YcError(
            f"the web UI needs {err.name}, which is not installed", "pip install 'yc-cli[ui]'"
        ) from err
    root = workspace if workspace is not None else state(ctx).workspace
    if not config_dir.is_dir():
        raise YcError(
            f"config folder {config_dir} does not exist", "pass an existing folder: --config-dir DIR"
        )
    try:
        sock = server.bind(port)
    except OSError as err:
        raise YcError(f"cannot listen on 127.0.0.1:{port}: {err.strerror}", "choose another --port") from err
    bound = sock.getsockname()[1]
    token = server.new_token()
    app = server.build_app(root, config_dir, token, cookie=f"yc_ui_{bound}")
    uv = server.make_server(app)
    console.print(f"workspace: {Path(root).resolve()}   configs: {config_dir.resolve()}")
    typer.echo(f"yc ui: http://127.0.0.1:{bound}/?token={token}", err=False)
    console.print("Ctrl-C stops the server.")
    try:
        with serving():
            uv.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it handled, after shutting down cleanly
    finally:
        sock.close()
    console.print("yc ui: stopped")
