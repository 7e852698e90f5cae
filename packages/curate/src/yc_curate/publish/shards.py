"""Parquet shards for the Hub: ``data/<split>-0000i-of-0000n.parquet``, each bounded in rows and bytes.

Writing is deterministic (same frame -> same bytes), so re-exporting an unchanged table version gives
files the Hub already has and a re-publish makes no new commit.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from yc_curate.errors import CurateError

log = logging.getLogger(__name__)

DEFAULT_MAX_SHARD_BYTES = 256 * 2**20  # uncompressed Arrow bytes per shard
SPLIT_ORDER = ("train", "validation", "test")
SHARD_RE_TEMPLATE = "data/{split}-{index:05d}-of-{count:05d}.parquet"


@dataclass(frozen=True)
class SplitShards:
    """What was written for one split: rows, Arrow bytes and the shard paths (relative to the folder)."""

    name: str
    rows: int
    num_bytes: int
    files: tuple[str, ...]


def ordered_splits(names: Sequence[str]) -> list[str]:
    """train, validation, test first, then any other split names sorted."""
    known = [s for s in SPLIT_ORDER if s in names]
    return known + sorted(set(names) - set(SPLIT_ORDER))


def shard_bounds(
    rows: int, nbytes: int, max_rows: int | None, max_bytes: int | None
) -> list[tuple[int, int]]:
    """(offset, length) of each shard: as few shards as the row and byte bounds allow, evenly sized."""
    count = 1
    if max_rows:
        count = max(count, math.ceil(rows / max_rows))
    if max_bytes:
        count = max(count, math.ceil(nbytes / max_bytes))
    count = max(1, min(count, rows)) if rows else 1
    edges = [rows * i // count for i in range(count + 1)]
    return [(edges[i], edges[i + 1] - edges[i]) for i in range(count)]


def write_split(
    table: pa.Table,
    folder: Path,
    split: str,
    *,
    max_rows: int | None = None,
    max_bytes: int | None = DEFAULT_MAX_SHARD_BYTES,
) -> SplitShards:
    """Write one split's rows as Parquet shards under ``folder/data``; returns what was written."""
    if not split or "/" in split or split.startswith("."):
        raise CurateError(f"invalid split name {split!r}", "use names like train, validation, test")
    bounds = shard_bounds(table.num_rows, table.nbytes, max_rows, max_bytes)
    files = []
    for index, (offset, length) in enumerate(bounds):
        rel = SHARD_RE_TEMPLATE.format(split=split, index=index, count=len(bounds))
        _write_parquet(table.slice(offset, length), folder / rel)
        files.append(rel)
    return SplitShards(split, table.num_rows, table.nbytes, tuple(files))


def write_shards(
    frame: pl.DataFrame,
    folder: Path,
    *,
    split_column: str = "split",
    max_rows: int | None = None,
    max_bytes: int | None = DEFAULT_MAX_SHARD_BYTES,
) -> list[SplitShards]:
    """Write every split of ``frame`` (all rows are ``train`` without a split column) as shards.

    Parquet files under ``folder/data`` that this export did not write are removed, so the folder holds
    exactly one dataset.
    """
    folder = Path(folder)
    if split_column in frame.columns:
        names = [s if s is not None else "train" for s in frame.get_column(split_column).unique().to_list()]
        frame = frame.with_columns(pl.col(split_column).fill_null("train"))
    else:
        names = ["train"]
        frame = frame.with_columns(pl.lit("train").alias(split_column))
    out = []
    for split in ordered_splits(names):
        part = frame.filter(pl.col(split_column) == split).drop(split_column)
        table = plain_arrow(part.to_arrow())
        out.append(write_split(table, folder, split, max_rows=max_rows, max_bytes=max_bytes))
    written = {f for s in out for f in s.files}
    for stale in sorted((folder / "data").glob("*-?????-of-?????.parquet")):  # yc's shard names only
        if stale.relative_to(folder).as_posix() not in written:
            log.info("removing stale shard %s", stale)
            stale.unlink()
    return out


def plain_type(t: pa.DataType) -> pa.DataType:
    """The 32-bit-offset form of an Arrow type (polars exports large_string / large_list).

    Plain ``string`` and ``list`` are what ``datasets`` and the Hub's viewer map to ``Value('string')``
    and ``List(...)``; the large forms would show up as ``large_string`` features in the card.
    """
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return pa.binary()
    if pa.types.is_large_list(t) or pa.types.is_list_view(t) or pa.types.is_list(t):
        return pa.list_(plain_type(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, plain_type(f.type)) for f in t])
    return t


def plain_arrow(table: pa.Table) -> pa.Table:
    """``table`` with every column cast to its plain (32-bit offset) type; metadata dropped."""
    schema = pa.schema([pa.field(f.name, plain_type(f.type)) for f in table.schema])
    return table.cast(schema)


def _write_parquet(table: pa.Table, path: Path) -> None:
    """Write atomically (temp file, then rename) so a killed export never leaves a truncated shard."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(
        table,
        tmp,
        compression="zstd",
        row_group_size=1000,
        write_statistics=True,
        store_schema=True,
    )
    os.replace(tmp, path)
