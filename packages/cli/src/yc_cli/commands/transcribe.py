"""``yc transcribe``: speech to text for the workspace's videos (or for audio files given as arguments)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from yc_cli.context import state, writable


def register(app: typer.Typer) -> None:
    app.command("transcribe")(transcribe)


def transcribe(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        None, help="Audio files to transcribe instead of the workspace's videos (rows printed as JSON lines)."
    ),
    backend: str = typer.Option(
        "faster-whisper", "--backend", "-b", help="faster-whisper | whisper | deepgram | captions."
    ),
    model: str = typer.Option(
        None, "--model", "-m", help="Model name or local path (faster-whisper default: tiny.en, bundled)."
    ),
    fallback: str = typer.Option(
        None, "--fallback", help="captions backend: ASR backend for videos without captions."
    ),
    language: str = typer.Option(None, "--language", help="Spoken language code (default: detect)."),
    summarize: bool = typer.Option(
        False, "--summarize", help="deepgram: also store Deepgram's summary (summaries table)."
    ),
    price_per_min: float = typer.Option(
        None, "--price-per-min", help="deepgram: USD per audio minute for the estimate."
    ),
    device: str = typer.Option(None, "--device", help="auto | cpu | cuda."),
    workers: int = typer.Option(
        None, "--workers", help="Files transcribed at once (default: fits the machine)."
    ),
    threads: int = typer.Option(None, "--threads", help="CPU threads per worker."),
    batch_size: int = typer.Option(
        None,
        "--batch-size",
        help="faster-whisper: chunks decoded together (short files are grouped to fill a batch).",
    ),
    beam_size: int = typer.Option(
        None,
        "--beam-size",
        help="Beam size (faster-whisper: 3; 5, faster-whisper's own default, is a little more accurate and slower).",
    ),
    mode: str = typer.Option(
        None,
        "--mode",
        help="faster-whisper: chunked (default: VAD chunks, each encoded once, decoded together) | "
        "sequential (slower, sentence timestamps) | batched (faster-whisper's BatchedInferencePipeline).",
    ),
    download: bool = typer.Option(True, "--download/--no-download", help="Allow downloading a named model."),
    force: bool = typer.Option(
        False, "--force", help="Redo videos already transcribed with these parameters."
    ),
    every: int = typer.Option(4, "--every", help="Commit every N videos (a killed run loses at most N)."),
    limit: int = typer.Option(None, "--limit", help="Transcribe at most N videos."),
) -> None:
    """Transcribe collected videos into the `transcripts` table (incremental; --force redoes).

    Shows progress in audio hours with the real-time factor (RTF) and a summary at the end (with --json:
    the summary as JSON on stdout). With FILES, one JSON line per file; exit 1 if any file failed.
    """
    from yc_cli.errors import YcError
    from yc_cli.render import console, print_json

    options = {
        "fallback": fallback,
        "language": language,
        "device": device,
        "workers": workers,
        "threads": threads,
        "batch_size": batch_size,
        "beam_size": beam_size,
        "mode": mode,
        "download": download,
        "price_per_min": price_per_min,
    }
    if files:
        from yc_cli.stages.transcribe import backend_options
        from yc_curate.transcribe import AudioItem, get_transcriber, transcribe_files

        missing = [f for f in files if not f.is_file()]
        if missing:  # before loading a model
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise YcError(f"audio file not found: {missing[0]}{more}", "check the path of each audio file")
        opts = backend_options(backend, summarize=summarize or None, **options)
        tr = get_transcriber(backend, model=model, **opts)
        failed = []
        for row in transcribe_files([AudioItem(str(f), f) for f in files], tr):
            row["created_at"] = row["created_at"].isoformat()
            sys.stdout.write(json.dumps(row) + "\n")
            sys.stdout.flush()
            if row["status"] == "failed":
                failed.append(row)
        if failed:
            raise YcError(
                f"{len(failed)} of {len(files)} files could not be transcribed: {failed[0]['error']}",
                "check that each file is audio or video that ffmpeg can read",
            )
        return
    from yc_cli.stages.transcribe import run

    st = state(ctx)
    summary = run(
        writable(st),
        backend=backend,
        model=model,
        force=force,
        summarize=summarize,
        every_rows=every,
        limit=limit,
        console=None if st.json else console,
        **options,
    )
    if st.json:
        print_json(summary)
    if summary["failed"]:
        raise typer.Exit(1 if not (summary["ok"] or summary["empty"]) else 0)
