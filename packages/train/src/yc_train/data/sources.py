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


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _file_fingerprint(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        st = f.stat()
        h.update(f"{f.resolve()}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def _read_files(files: list[Path], kind_hint: str | None = None) -> list[dict[str, Any]]:
    import polars as pl

    frames = []
    for f in files:
        kind = kind_hint or FILE_KINDS.get(f.suffix.lower())
        if kind == "parquet":
            frames.append(pl.read_parquet(f))
        elif kind == "jsonl":
            frames.append(pl.read_ndjson(f))
        elif kind == "json":
            data = json.loads(f.read_text())
            if isinstance(data, dict):  # {"data": [...]} or a single record
                data = next((v for v in data.values() if isinstance(v, list)), [data])
            frames.append(pl.DataFrame(data))
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
    """Rows of one ``datasets`` entry (see module docstring); rows may carry a ``split`` column (see ``data``)."""
    raw = _get(entry, "path")
    if not raw:
        raise TrainError("a datasets entry has no path", "set datasets[].path to a file, folder or Hub id")
    path = Path(os.path.expanduser(str(raw)))
    ds_type = _get(entry, "ds_type")
    data_files = _get(entry, "data_files")
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
    name = _get(entry, "name")
    split = _get(entry, "split") or "train"
    data_files = _get(entry, "data_files")
    offline = os.environ.get("HF_DATASETS_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1"
    try:
        ds = datasets.load_dataset(repo_id, name, split=split, data_files=data_files)
    except Exception as err:
        reason = "offline mode is on (HF_HUB_OFFLINE=1)" if offline else type(err).__name__
        raise TrainError(
            f"cannot load the Hub dataset '{repo_id}': {reason}",
            "download it once while online (or unset HF_HUB_OFFLINE), or point path at a local file/folder",
        ) from err
    fp = f"hub:{repo_id}:{name}:{split}:{getattr(ds, '_fingerprint', '')}"
    return Source([dict(r) for r in ds], fp)
