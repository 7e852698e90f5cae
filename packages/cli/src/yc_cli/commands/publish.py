"""``yc publish REPO_ID``: export a version of ``examples`` as Parquet shards + a dataset card and upload
it as one commit; ``yc publish --model DIR REPO_ID`` uploads a trained model folder with a model card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from yc_cli.context import state


def register(app: typer.Typer) -> None:
    app.command("publish")(publish)


def publish(
    ctx: typer.Context,
    repo_id: str | None = typer.Argument(
        None, help="Hub repository NAMESPACE/NAME (optional with --to: used in the card's snippets)."
    ),
    version: int | None = typer.Option(
        None, "--version", help="Version of the examples table (default: latest)."
    ),
    to: Path | None = typer.Option(
        None,
        "--to",
        help="Write the files to this folder instead of uploading (a new or empty folder, or one yc wrote).",
    ),
    overwrite: bool = typer.Option(
        False,
        "--overwrite",
        help="With --to: write into a non-empty folder yc did not create (only yc's file names are replaced).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be uploaded; upload nothing."),
    private: bool = typer.Option(False, "--private", help="Create the repository as private."),
    revision: str | None = typer.Option(
        None, "--revision", "--branch", help="Branch to commit to (created from main if missing)."
    ),
    message: str | None = typer.Option(None, "--message", "-m", help="Commit message."),
    license: str | None = typer.Option(None, "--license", help="License id for the card (default: unknown)."),
    max_shard_rows: int | None = typer.Option(
        None, "--max-shard-rows", help="At most this many rows per shard."
    ),
    max_shard_mb: float = typer.Option(
        256.0, "--max-shard-mb", help="About this many MB (uncompressed) per shard."
    ),
    model: Path | None = typer.Option(None, "--model", help="Publish this trained output folder as a model."),
    merged: bool = typer.Option(False, "--merged", help="With --model: publish DIR/merged (after yc merge)."),
    dataset: str | None = typer.Option(
        None, "--dataset", help="With --model: the dataset repo to name in the card."
    ),
) -> None:
    """Publish the examples table (or a trained model) to the Hugging Face Hub.

    The token comes from HF_TOKEN or your saved login (hf auth login); it is never written anywhere.
    Re-publishing an unchanged version makes no new commit. With --json the summary goes to stdout as JSON.
    """
    from yc_cli.errors import YcError
    from yc_cli.render import console

    if repo_id is None and to is None and not dry_run:
        raise YcError(
            "REPO_ID is missing", "yc publish NAMESPACE/NAME (or --to DIR to write the files locally)"
        )
    st = state(ctx)
    if model is not None:
        from yc_cli.stages.publish import run_model

        summary = run_model(
            model,
            repo_id,
            workspace=st.workspace,
            merged=True if merged else None,
            to_dir=to,
            overwrite=overwrite,
            dry_run=dry_run,
            private=private,
            revision=revision,
            message=message,
            license=license,
            dataset=dataset,
            console=console,
        )
    else:
        from yc_cli.stages.publish import run

        summary = run(
            st.store,
            repo_id,
            version=version,
            to_dir=to,
            overwrite=overwrite,
            dry_run=dry_run,
            private=private,
            revision=revision,
            message=message,
            license=license,
            max_shard_rows=max_shard_rows,
            max_shard_bytes=int(max_shard_mb * 2**20),
            console=console,
        )
    if st.json:
        from yc_cli.render import print_json

        print_json(summary)
        return
    _show(summary)


def _show(summary: dict[str, Any]) -> None:
    from yc_cli.render import out, table

    mode = summary["mode"]
    files = summary.get("files") or []
    what = f"examples v{summary['version']}" if "version" in summary else f"model {summary.get('source')}"
    if mode == "dry-run":
        title = f"dry run: {what} -> {summary.get('repo_id') or '(no repo)'}@{summary['revision']}"
        title += " (private)" if summary.get("private") else ""
    elif mode == "local":
        title = f"{what} written to {summary['folder']}"
    else:
        outcome = "new commit" if summary["changed"] else "unchanged, no new commit"
        title = f"{what} -> {summary['repo_id']}@{summary['revision']}: {outcome} {summary['commit'][:12]}"
    out.print(title)
    out.print(table("files", ["file", "bytes"], [(p, f"{n:,}") for p, n in files]))
    if summary.get("splits"):
        out.print("splits: " + ", ".join(f"{k} {v}" for k, v in summary["splits"].items()))
    if mode == "hub":
        out.print(summary["commit_url"])
