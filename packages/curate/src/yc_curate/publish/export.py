"""Export a polars frame of examples as a Hub-ready dataset folder: Parquet shards plus a card."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import polars as pl

from yc_curate.errors import CurateError
from yc_curate.publish.dataset_card import DatasetCardInfo, render_dataset_card
from yc_curate.publish.shards import DEFAULT_MAX_SHARD_BYTES, SplitShards, plain_arrow, write_shards

log = logging.getLogger(__name__)


def export_dataset(
    frame: pl.DataFrame,
    out_dir: Path | str,
    card_info: DatasetCardInfo | None = None,
    *,
    max_shard_rows: int | None = None,
    max_shard_bytes: int | None = DEFAULT_MAX_SHARD_BYTES,
    split_column: str = "split",
) -> list[Path]:
    """Write ``frame`` to ``out_dir`` as ``data/<split>-0000i-of-0000n.parquet`` shards and ``README.md``.

    Every column but ``split_column`` is exported, in the frame's order and row order (sort the frame
    first for a stable export); rows without a split (or a frame without the column) go to ``train``.
    Shards hold at most ``max_shard_rows`` rows and about ``max_shard_bytes`` uncompressed bytes.
    Returns the files written (shards, then the card). The same frame and info give the same bytes.
    """
    out = Path(out_dir)
    if frame.height == 0:
        raise CurateError("there are no examples to export", "render examples first: yc curate")
    if max_shard_rows is not None and max_shard_rows < 1:
        raise CurateError(
            f"max_shard_rows must be at least 1, not {max_shard_rows}", "pass a positive number"
        )
    splits = write_shards(
        frame, out, split_column=split_column, max_rows=max_shard_rows, max_bytes=max_shard_bytes
    )
    write_card(frame, out, card_info or DatasetCardInfo(), splits, split_column=split_column)
    files = [out / f for s in splits for f in s.files] + [out / "README.md"]
    log.info("exported %d rows in %d files to %s", frame.height, len(files), out)
    return files


def write_card(
    frame: pl.DataFrame,
    out: Path,
    info: DatasetCardInfo,
    splits: list[SplitShards],
    *,
    split_column: str = "split",
) -> Path:
    """Render the dataset card for shards already written under ``out`` and save it as README.md."""
    data_columns = [c for c in frame.columns if c != split_column]
    schema = plain_arrow(frame.select(data_columns).head(0).to_arrow()).schema
    download_size = sum((out / f).stat().st_size for s in splits for f in s.files)
    text = render_dataset_card(info, splits, frame, schema, download_size, split_column=split_column)
    path = out / "README.md"
    tmp = path.with_name(".README.md.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
