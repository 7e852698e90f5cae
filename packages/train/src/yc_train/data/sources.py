"""Read a dataset entry (``datasets[i]`` of the config) into a list of row dicts.

``path`` may be a local file (parquet, jsonl, json, csv), a folder of such files (e.g. what ``yc publish --to``
writes: ``data/<split>-0000i-of-0000n.parquet``), a Delta table (a yc workspace's ``examples`` table), a yc
workspace folder (its ``examples`` table is used), or a Hugging Face Hub dataset id (read with ``datasets``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yc_train.errors import TrainError

log = logging.getLogger(__name__)

FILE_KINDS = {".parquet": "parquet", ".jsonl": "jsonl", ".json": "json", ".csv": "csv"}
# newest row per key wins in a yc table that keeps redone rows as history
TABLE_KEYS = ("video_id", "chunk")
KNOWN_SPLITS = ("train", "validation", "val", "valid", "test", "eval", "dev")


@dataclass
class Source:
    """Rows read from one dataset entry plus what identifies their content for the cache key."""

    rows: list[dict[str, Any]]
    fingerprint: str
    template_json: Path | None = None
    notes: list[str] = field(default_factory=list)


def _file_fingerprint(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        st = f.stat()
        h.update(f"{f.resolve()}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def _json_records(f: Path) -> list[dict[str, Any]]:
    """Records of a JSON file: a list, ``{"data": [...]}``, one record, or JSON Lines (one record a line)."""
    text = f.read_text()
    try:
        if f.suffix.lower() in (".jsonl", ".ndjson"):
            raise json.JSONDecodeError("Extra data", text, 0)
        data = json.loads(text)
    except json.JSONDecodeError as err:
        if err.msg != "Extra data":
            raise TrainError(
                f"cannot read {f}: not JSON ({err.msg} at line {err.lineno})", "fix the file"
            ) from err
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as line_err:
            raise TrainError(
                f"cannot read {f}: neither JSON nor JSON Lines ({line_err.msg})", "fix the file"
            ) from line_err
    if isinstance(data, dict):  # {"data": [{...}, ...]} or a single record
        wrapped = next(iter(data.values())) if len(data) == 1 else None
        is_wrap = isinstance(wrapped, list) and all(isinstance(r, dict) for r in wrapped)
        data = wrapped if is_wrap else [data]
    return data


def _read_files(files: list[Path], kind_hint: str | None = None) -> list[dict[str, Any]]:
    import polars as pl

    frames = []
    for f in files:
        kind = kind_hint or FILE_KINDS.get(f.suffix.lower())
        if kind == "parquet":
            frames.append(pl.read_parquet(f))
        elif kind == "jsonl":
            frames.append(pl.read_ndjson(f))
        elif kind == "json":  # Axolotl's ds_type json reads a JSON document or JSON Lines, as `datasets` does
            frames.append(pl.DataFrame(_json_records(f)))
        elif kind == "csv":
            frames.append(pl.read_csv(f))
        else:
            raise TrainError(
                f"cannot read {f}: unknown file type", "use parquet, jsonl, json or csv (ds_type)"
            )
    if not frames:
        return []
    return pl.concat(frames, how="diagonal_relaxed").to_dicts()


def _read_delta(path: Path) -> tuple[list[dict[str, Any]], str]:
    import polars as pl
    from deltalake import DeltaTable

    table = DeltaTable(str(path))
    frame = pl.read_delta(str(path))
    keys = [k for k in TABLE_KEYS if k in frame.columns]
    if keys and "created_at" in frame.columns:
        frame = frame.sort("created_at").unique(subset=keys, keep="last", maintain_order=True)
    return frame.to_dicts(), f"delta:{path.resolve()}@{table.version()}"


def read_source(entry: Any) -> Source:
    """Rows of one ``datasets`` entry (a DatasetConfig; see module docstring), ``shards`` applied.

    Rows may carry a ``split`` column (see ``data``).
    """
    src = _read_entry(entry)
    if entry.shards:
        src.rows = shard(src.rows, entry.shards, entry.shards_idx or 0)
        src.fingerprint += f":shard{entry.shards_idx or 0}/{entry.shards}"
    return src


def shard(rows: list[dict[str, Any]], shards: int, index: int) -> list[dict[str, Any]]:
    """Contiguous shard ``index`` of ``shards`` (as ``datasets.Dataset.shard(contiguous=True)``)."""
    if index >= shards:
        raise TrainError(f"shards_idx {index} is not below shards {shards}", "use 0 .. shards-1")
    n = len(rows)
    size, extra = divmod(n, shards)
    start = index * size + min(index, extra)
    return rows[start : start + size + (1 if index < extra else 0)]


def _read_entry(entry: Any) -> Source:
    raw = entry.path
    if not raw:
        raise TrainError("a datasets entry has no path", "set datasets[].path to a file, folder or Hub id")
    path = Path(os.path.expanduser(str(raw)))
    ds_type = entry.ds_type
    data_files = entry.data_files
    template = None
    if path.exists():
        if path.is_dir() and (path / "examples" / "_delta_log").is_dir():  # a yc workspace
            path = path / "examples"
        if path.is_dir() and (path / "_delta_log").is_dir():
            rows, fp = _read_delta(path)
            cand = path.parent / "template.json"
            template = cand if cand.is_file() else None
            return Source(rows, fp, template)
        if path.is_dir():
            if data_files:
                names = [data_files] if isinstance(data_files, str) else list(data_files)
                files = [path / n for n in names]
            else:
                files = sorted(p for p in path.rglob("*") if p.suffix.lower() in FILE_KINDS and p.is_file())
            if not files:
                raise TrainError(
                    f"no data files in {path}", "the folder needs parquet, jsonl, json or csv files"
                )
            rows = []
            for f in files:  # yc publish / Hub layout: data/<split>-0000i-of-0000n.parquet
                part = _read_files([f], ds_type)
                named = f.stem.split("-")[0] if "-of-" in f.stem or f.stem in KNOWN_SPLITS else None
                if named:
                    for r in part:
                        r.setdefault("split", named)
                rows += part
            return Source(rows, "files:" + _file_fingerprint(files))
        rows = _read_files([path], ds_type)
        return Source(rows, "files:" + _file_fingerprint([path]))
    if str(raw).startswith((".", "/", "~")) or Path(str(raw)).suffix.lower() in FILE_KINDS:
        raise TrainError(
            f"dataset path not found: {raw}", "point datasets[].path at an existing file or folder"
        )
    return _read_hub(str(raw), entry)


def _read_hub(repo_id: str, entry: Any) -> Source:
    try:
        import datasets
    except ModuleNotFoundError as err:
        from yc_train.errors import TrainError as _E

        raise _E(
            f"reading the Hub dataset '{repo_id}' needs the 'datasets' package",
            "install it: uv pip install 'yc-train[hub]'",
        ) from err
    name, split, data_files = entry.name, entry.split or "train", entry.data_files
    offline = os.environ.get("HF_DATASETS_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1"
    try:
        ds = datasets.load_dataset(repo_id, name, split=split, data_files=data_files, revision=entry.revision)
    except Exception as err:
        reason = "offline mode is on (HF_HUB_OFFLINE=1)" if offline else type(err).__name__
        raise TrainError(
            f"cannot load the Hub dataset '{repo_id}': {reason}",
            "download it once while online (or unset HF_HUB_OFFLINE), or point path at a local file/folder",
        ) from err
    fp = f"hub:{repo_id}@{entry.revision or ''}:{name}:{split}:{getattr(ds, '_fingerprint', '')}"
    return Source([dict(r) for r in ds], fp)
