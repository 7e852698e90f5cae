"""The publish stage: a version of ``examples`` -> Parquet shards + card -> the Hub (or a folder).

:func:`run` publishes a dataset, :func:`run_model` a trained model folder; both go through
:mod:`yc_curate.publish` (the same Hub client code) and record uploads in the workspace
(:mod:`yc_cli.published`) so ``yc status`` shows them. Keyword arguments:

- ``version``: examples table version (None = latest); ``to_dir``: write the files there, no upload
  (through :func:`yc_curate.outputs.staged_output`: only yc's own files are replaced; a non-empty folder
  yc did not write is refused unless ``overwrite``); ``dry_run``: export to a temporary folder and list
  what would be uploaded
- ``private``, ``revision`` (branch), ``message`` (commit summary), ``license``
- ``max_shard_rows`` / ``max_shard_bytes``: shard bounds; ``token`` / ``endpoint``: default HF_TOKEN or the
  saved login / HF_ENDPOINT
- ``console``: a rich Console for progress and the summary (None = quiet)

Both return a summary dict (mode, repo_id, revision, commit, changed, files, rows, splits, version).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console

    from yc_cli.store import Store
    from yc_curate.publish import DatasetCardInfo

STAGE = "publish"
EXPORT_COLUMNS = (
    "video_id",
    "chunk",
    "title",
    "upload_date",
    "text",
    "prompt",
    "completion",
    "messages",
    "n_tokens",
)


def _lineage(store: Store, version: int) -> dict[str, int]:
    for entry in store.history("examples"):
        if entry["version"] == version:
            return {k: v for k, v in (entry.get("inputs") or {}).items() if isinstance(v, int)}
    return {}


def _current(store: Store, table: str, version: int | None) -> pl.DataFrame:
    """``table`` at the version examples was built from (latest when unknown or gone)."""
    if not store.exists(table):
        return store.read(table)
    try:
        return store.current(table, version)
    except Exception:
        return store.current(table)


def _backends(frame: pl.DataFrame) -> list[str]:
    if frame.height == 0:
        return []
    counts = frame.group_by(["backend", "model"]).len().sort(["len", "backend"], descending=[True, False])
    out = []
    for backend, model, n in counts.iter_rows():
        label = f"{backend} ({model})" if model else str(backend)
        out.append(f"{label}: {n} video{'s' if n != 1 else ''}")
    return out


def dataset_frame(store: Store, version: int | None = None) -> tuple[pl.DataFrame, DatasetCardInfo, int]:
    """The rows to export (examples joined with video provenance), the card info and the version used."""
    import polars as pl

    from yc_cli import __version__
    from yc_collect.redaction import redact_url
    from yc_curate.publish import DatasetCardInfo

    ver = store.version("examples") if version is None else version
    if ver is None:
        from yc_cli.errors import YcError

        raise YcError("the workspace has no examples yet", "render them first: yc curate")
    from yc_cli.stages.render import current_examples

    examples = current_examples(store, ver)  # newest row per key, latest render parameters up to ver
    if examples.height == 0:
        from yc_cli.errors import YcError

        raise YcError(f"examples version {ver} holds no current examples", "render them first: yc curate")
    inputs = _lineage(store, ver)
    videos = _current(store, "videos", inputs.get("videos"))
    ids = examples.get_column("video_id").unique()
    videos = videos.filter(pl.col("video_id").is_in(ids.implode()))
    joined = examples.join(
        videos.select("video_id", pl.col("title").alias("_video_title"), "upload_date"),
        on="video_id",
        how="left",
    ).with_columns(pl.coalesce("title", "_video_title").alias("title"))
    cols = [c for c in EXPORT_COLUMNS if c in joined.columns] + ["split"]
    frame = joined.select(cols).sort(["video_id", "chunk"] if "chunk" in cols else ["video_id"])

    transcripts = _current(store, "transcripts", inputs.get("transcripts"))
    transcripts = transcripts.filter(
        pl.col("video_id").is_in(ids.implode()) & (pl.col("status").fill_null("ok") == "ok")
    )
    summaries = _current(store, "summaries", inputs.get("summaries")).filter(
        pl.col("video_id").is_in(ids.implode())
    )
    seconds = videos.select(pl.coalesce("duration_s", "audio_s")).to_series().drop_nulls()
    channels = sorted({c for c in videos.get_column("channel").to_list() if c})
    languages = [
        str(lang).split("-")[0].lower()
        for lang in transcripts.get_column("language").drop_nulls().mode().sort().to_list()[:1]
    ]
    templates = sorted({t for t in examples.get_column("template").to_list() if t})
    info = DatasetCardInfo(
        pretty_name=f"{', '.join(channels)} transcripts" if channels else None,
        language=languages or ["en"],
        tags=[*(f"template:{t}" for t in templates)],
        channels=channels,
        # tables written by yc hold redacted URLs already; older ones may not
        sources=sorted({redact_url(s) for s in videos.get_column("source").to_list() if s}),
        n_videos=ids.len(),
        audio_hours=round(float(seconds.sum()) / 3600, 3) if seconds.len() else None,
        transcription=_backends(transcripts.select("backend", "model")),
        summarization=_backends(summaries.select("backend", "model")),
        template=", ".join(templates) or None,
        table="examples",
        table_version=ver,
        yc_version=__version__,
    )
    return frame, info, ver


def _split_rows(frame: pl.DataFrame) -> dict[str, int]:
    from yc_curate.publish.shards import ordered_splits

    counts = {str(k or "train"): int(v) for k, v in frame.group_by("split").len().iter_rows()}
    return {k: counts[k] for k in ordered_splits(list(counts))}


def _file_rows(folder: Path, files: list[Path]) -> list[tuple[str, int]]:
    return [(f.relative_to(folder).as_posix(), f.stat().st_size) for f in files]


def run(
    store: Store,
    repo_id: str | None,
    *,
    version: int | None = None,
    to_dir: Path | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
    private: bool = False,
    revision: str | None = None,
    message: str | None = None,
    license: str | None = None,
    max_shard_rows: int | None = None,
    max_shard_bytes: int | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Export examples (a version) and upload it to ``repo_id`` as one commit, or write/list it locally."""
    from yc_cli.published import record_publish
    from yc_curate.publish import (
        DEFAULT_MAX_SHARD_BYTES,
        export_dataset,
        resolve_token,
        upload_folder_as_commit,
    )

    upload = to_dir is None and not dry_run
    if upload:
        token = resolve_token(token)  # fail before exporting when there is no token
    frame, info, ver = dataset_frame(store, version)
    info.repo_id = repo_id
    if license:
        info.license = license
    summary: dict[str, Any] = {
        "repo_id": repo_id,
        "version": ver,
        "rows": frame.height,
        "splits": _split_rows(frame),
        "revision": revision or "main",
        "private": private,
    }
    max_bytes = max_shard_bytes or DEFAULT_MAX_SHARD_BYTES

    def export(folder: Path) -> list[Path]:
        return export_dataset(frame, folder, info, max_shard_rows=max_shard_rows, max_shard_bytes=max_bytes)

    if to_dir is not None:
        from yc_curate.outputs import staged_output

        with staged_output(to_dir, overwrite=overwrite) as stage:
            files = _status(console, f"exporting examples v{ver}", lambda: export(stage))
            rows = _file_rows(stage, files)
        summary.update(mode="local", folder=str(to_dir), files=rows)
        return summary
    with tempfile.TemporaryDirectory(prefix="yc-publish-") as tmp:
        folder = Path(tmp)
        files = _status(console, f"exporting examples v{ver}", lambda: export(folder))
        summary["files"] = _file_rows(folder, files)
        if dry_run:
            summary["mode"] = "dry-run"
            return summary
        assert repo_id is not None
        result = _status(
            console,
            f"uploading to {repo_id}",
            lambda: upload_folder_as_commit(
                folder,
                repo_id,
                repo_type="dataset",
                token=token,
                private=private,
                revision=revision,
                message=message or f"yc publish: examples v{ver} ({frame.height} rows)",
                description=f"Exported by yc {info.yc_version} from the examples table, version {ver}.",
                endpoint=endpoint,
                delete_stale=("data/",),
            ),
        )
    summary.update(mode="hub", **_result(result))
    record_publish(
        store.root, {"kind": "dataset", "table": "examples", "table_version": ver, **_record(summary)}
    )
    return summary


def run_model(
    model_dir: Path,
    repo_id: str | None,
    *,
    workspace: Path | None = None,
    merged: bool | None = None,
    to_dir: Path | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
    private: bool = False,
    revision: str | None = None,
    message: str | None = None,
    license: str | None = None,
    dataset: str | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Upload a trained output folder (adapter or model, tokenizer, config, metrics) with a model card."""
    from yc_cli.published import record_publish
    from yc_curate.publish import model_upload_files, resolve_token, upload_files_as_commit

    upload = to_dir is None and not dry_run
    if upload:
        token = resolve_token(token)
    files, info = model_upload_files(
        model_dir, repo_id, merged=merged, license=license, datasets=[dataset] if dataset else None
    )
    summary: dict[str, Any] = {
        "repo_id": repo_id,
        "source": str(model_dir),
        "base_model": info.base_model,
        "library": info.library_name,
        "merged": info.merged,
        "revision": revision or "main",
        "private": private,
        "files": [
            (p, len(s) if isinstance(s, bytes) else s.stat().st_size) for p, s in sorted(files.items())
        ],
    }
    if to_dir is not None:
        from yc_curate.outputs import staged_output

        with staged_output(to_dir, overwrite=overwrite) as stage:
            _write_files(files, stage)
        summary.update(mode="local", folder=str(to_dir))
        return summary
    if dry_run:
        summary["mode"] = "dry-run"
        return summary
    assert repo_id is not None
    result = _status(
        console,
        f"uploading {model_dir} to {repo_id}",
        lambda: upload_files_as_commit(
            files,
            repo_id,
            repo_type="model",
            token=token,
            private=private,
            revision=revision,
            message=message or f"yc publish --model: {Path(model_dir).name}",
            endpoint=endpoint,
        ),
    )
    summary.update(mode="hub", **_result(result))
    if workspace is not None:
        record_publish(workspace, {"kind": "model", "source": str(model_dir), **_record(summary)})
    return summary


def _write_files(files: Mapping[str, Path | bytes], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for rel, src in files.items():
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, bytes):
            dest.write_bytes(src)
        else:
            shutil.copyfile(src, dest)


def _result(result: Any) -> dict[str, Any]:
    return {
        "repo_type": result.repo_type,
        "revision": result.revision,
        "commit": result.commit,
        "commit_url": result.commit_url,
        "changed": result.changed,
        "deleted": list(result.deleted),
    }


def _record(summary: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("repo_id", "repo_type", "revision", "commit", "commit_url", "changed", "rows", "private")
    return {k: summary[k] for k in keys if k in summary}


def _status(console: Console | None, text: str, fn: Any) -> Any:
    """Run ``fn`` under a spinner; uploads print one line instead (huggingface_hub draws its own bars)."""
    if console is None or not console.is_terminal:  # piped: no spinner, no progress lines
        return fn()
    if text.startswith("uploading"):
        console.print(f"{text} ...")
        return fn()
    with console.status(text):
        return fn()
