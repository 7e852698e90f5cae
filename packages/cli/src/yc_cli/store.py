"""The versioned store: one Delta Lake table per stage inside a workspace directory.

A workspace holds ``videos/``, ``transcripts/``, ``summaries/``, ``examples/`` (Delta tables, schemas in
:mod:`yc_cli.tables`) and ``audio/``. Every commit carries yc metadata (stage, parameters, input tables
and versions, yc version), so any version can be read back and ``yc status`` can show lineage.

Delta commits are atomic: a writer killed mid-batch leaves at most orphan Parquet files that no version
references, never partial rows. Appends from several processes all survive (delta-rs retries the commit);
upserts (merge) conflict under concurrency and are retried here.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute

from yc_cli import __version__
from yc_cli.errors import StoreError
from yc_cli.tables import KEYS, SCHEMAS

log = logging.getLogger(__name__)

Rows = Sequence[Mapping[str, Any]] | pl.DataFrame | pa.Table


def to_arrow(table: str, rows: Rows) -> pa.Table:
    """Rows (dicts, a polars frame or an Arrow table) as an Arrow table with the table's exact schema."""
    schema = SCHEMAS[table]
    if isinstance(rows, pl.DataFrame):
        rows = rows.to_arrow()
    if isinstance(rows, pa.Table):
        unknown = set(rows.column_names) - set(schema.names)
        if unknown:
            raise StoreError(f"columns not in the '{table}' schema: {sorted(unknown)}", "fix the writer")
        cols = [
            rows.column(f.name).cast(f.type) if f.name in rows.column_names else pa.nulls(len(rows), f.type)
            for f in schema
        ]
        return pa.Table.from_arrays(cols, schema=schema)
    now = datetime.now(UTC)
    fixed = []
    for row in rows:
        unknown = set(row) - set(schema.names)
        if unknown:
            raise StoreError(f"columns not in the '{table}' schema: {sorted(unknown)}", "fix the writer")
        row = dict(row)
        for ts in ("collected_at", "created_at"):
            if ts in schema.names and row.get(ts) is None:
                row[ts] = now
        fixed.append(row)
    return pa.Table.from_pylist(fixed, schema=schema)


@dataclass
class Store:
    """A yc workspace: Delta tables under ``root``. Creating a Store touches nothing on disk."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root).expanduser()

    # -- paths -------------------------------------------------------------------------------
    def path(self, table: str) -> Path:
        if table not in SCHEMAS:
            raise StoreError(f"unknown table '{table}'", f"tables are: {', '.join(SCHEMAS)}")
        return self.root / table

    def exists(self, table: str) -> bool:
        from deltalake import DeltaTable

        return DeltaTable.is_deltatable(str(self.path(table)))

    def require(self, table: str, command: str) -> None:
        """Fail with the command that creates ``table`` when the workspace does not have it yet."""
        if not self.exists(table):
            where = "" if self.root.is_dir() else " (the workspace folder does not exist)"
            raise StoreError(
                f"no '{table}' table in workspace {self.root}{where}",
                f"run `{command}` first, or point at another workspace with --workspace DIR / YC_WORKSPACE",
            )

    def _delta(self, table: str, version: int | None = None):
        from deltalake import DeltaTable

        if not self.exists(table):
            raise StoreError(
                f"table '{table}' does not exist in workspace {self.root}",
                "run the stage that writes it first (yc status shows what is there)",
            )
        try:
            return DeltaTable(str(self.path(table)), version=version)
        except Exception as err:  # deltalake raises its own errors for unknown versions
            raise StoreError(
                f"cannot open '{table}' at version {version}: {err}", "yc log TABLE lists versions"
            ) from err

    # -- reading -----------------------------------------------------------------------------
    def version(self, table: str) -> int | None:
        return self._delta(table).version() if self.exists(table) else None

    def read(self, table: str, version: int | None = None, columns: list[str] | None = None) -> pl.DataFrame:
        """The table (or one version of it) as a polars frame; an empty frame with the schema if absent."""
        if not self.exists(table):
            if version is not None:
                raise StoreError(f"table '{table}' has no versions yet", "run the stage that writes it first")
            frame = pl.from_arrow(SCHEMAS[table].empty_table())
        else:
            frame = pl.from_arrow(self._delta(table, version).to_pyarrow_table(columns=columns))
        assert isinstance(frame, pl.DataFrame)
        return frame.select(columns) if columns else frame

    def current(self, table: str, version: int | None = None, where: pl.Expr | None = None) -> pl.DataFrame:
        """The newest row per key (tables that append a redo keep the older rows as history)."""
        frame = self.read(table, version)
        if where is not None:
            frame = frame.filter(where)
        order = "created_at" if "created_at" in frame.columns else "collected_at"
        return frame.sort(order, nulls_last=False).unique(
            subset=list(KEYS[table]), keep="last", maintain_order=True
        )

    def done_keys(self, table: str, where: pl.Expr | None = None) -> set[str]:
        """Keys (first key column) that have a row matching ``where`` (e.g. same params_hash, status ok)."""
        if not self.exists(table):
            return set()
        key = KEYS[table][0]
        frame = pl.scan_delta(str(self.path(table)))
        if where is not None:
            frame = frame.filter(where)
        return set(frame.select(key).unique().collect().to_series().to_list())

    def missing(self, table: str, keys: Iterable[str], where: pl.Expr | None = None) -> list[str]:
        """The given keys still missing from ``table`` for these parameters (``where``), in input order."""
        done = self.done_keys(table, where)
        return [k for k in keys if k not in done]

    def history(self, table: str) -> list[dict[str, Any]]:
        """Commits, newest first: version, timestamp, operation, rows written and yc metadata."""
        out = []
        for entry in self._delta(table).history():
            out.append(
                {
                    "version": entry.get("version"),
                    "timestamp": datetime.fromtimestamp(entry.get("timestamp", 0) / 1000, UTC).isoformat(
                        timespec="seconds"
                    ),
                    "operation": entry.get("operation"),
                    "rows": _rows_written(entry),
                    "stage": entry.get("yc.stage"),
                    "params": json.loads(entry.get("yc.params") or "{}"),
                    "inputs": json.loads(entry.get("yc.inputs") or "{}"),
                    "yc_version": entry.get("yc.version"),
                }
            )
        return out

    def status(self) -> list[dict[str, Any]]:
        """One entry per table: version, rows, last commit, lineage."""
        out = []
        for table in SCHEMAS:
            if not self.exists(table):
                out.append(
                    {
                        "table": table,
                        "version": None,
                        "rows": 0,
                        "last_commit": None,
                        "stage": None,
                        "inputs": {},
                    }
                )
                continue
            dt = self._delta(table)
            last = self.history(table)[0]
            actions = pa.table(dt.get_add_actions(flatten=True))
            rows = pa.compute.sum(actions.column("num_records")).as_py() or 0
            out.append(
                {
                    "table": table,
                    "version": dt.version(),
                    "rows": int(rows),
                    "last_commit": last["timestamp"],
                    "stage": last["stage"],
                    "inputs": last["inputs"],
                }
            )
        return out

    # -- writing -----------------------------------------------------------------------------
    def _commit(self, stage: str, params: Mapping[str, Any] | None, inputs: Mapping[str, int | None] | None):
        from deltalake import CommitProperties

        return CommitProperties(
            custom_metadata={
                "yc.stage": stage,
                "yc.params": json.dumps(dict(params or {}), sort_keys=True, default=str),
                "yc.inputs": json.dumps(dict(inputs or {}), sort_keys=True),
                "yc.version": __version__,
            },
            max_commit_retries=50,
        )

    def append(
        self,
        table: str,
        rows: Rows,
        *,
        stage: str,
        params: Mapping[str, Any] | None = None,
        inputs: Mapping[str, int | None] | None = None,
    ) -> int | None:
        """Append rows in one atomic commit; returns the new version (None when there was nothing to add)."""
        from deltalake import write_deltalake

        data = to_arrow(table, rows)
        if data.num_rows == 0:
            return self.version(table)
        path = self.path(table)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_deltalake(
                str(path),
                data,
                mode="append",
                schema_mode="merge",
                commit_properties=self._commit(stage, params, inputs),
            )
        except OSError:
            raise
        except Exception as err:
            raise _write_error(table, err) from err
        return self.version(table)

    def upsert(
        self,
        table: str,
        rows: Rows,
        *,
        stage: str,
        params: Mapping[str, Any] | None = None,
        inputs: Mapping[str, int | None] | None = None,
        key: Sequence[str] | None = None,
        retries: int = 10,
    ) -> int | None:
        """Insert new keys and replace rows whose key exists, in one commit (retried on conflicts)."""
        from deltalake.exceptions import CommitFailedError

        data = to_arrow(table, rows)
        if data.num_rows == 0:
            return self.version(table)
        if not self.exists(table):
            return self.append(table, data, stage=stage, params=params, inputs=inputs)
        key = list(key or KEYS[table])
        predicate = " AND ".join(f"t.{k} = s.{k}" for k in key)
        for attempt in range(retries):
            try:
                (
                    self._delta(table)
                    .merge(
                        data,
                        predicate,
                        source_alias="s",
                        target_alias="t",
                        commit_properties=self._commit(stage, params, inputs),
                    )
                    .when_matched_update_all()
                    .when_not_matched_insert_all()
                    .execute()
                )
                return self.version(table)
            except CommitFailedError:
                time.sleep(0.05 * (attempt + 1))
            except OSError:
                raise
            except Exception as err:
                raise _write_error(table, err) from err
        raise StoreError(f"'{table}' kept changing under this upsert", "run one writer per table at a time")

    def compact(self, table: str) -> None:
        """Merge small files (each batch commit writes one) into larger ones."""
        self._delta(table).optimize.compact()


def _write_error(table: str, err: Exception) -> StoreError:
    """deltalake reports I/O failures as its own errors: name the cause a user can act on."""
    text = str(err)
    if "No space left" in text or "os error 28" in text:
        return StoreError(
            f"disk full while writing '{table}' (nothing partial was committed)",
            "free disk space or move the workspace (--workspace DIR); rerunning resumes",
        )
    if "Read-only file system" in text or "Permission denied" in text:
        return StoreError(
            f"cannot write '{table}': the workspace is read-only",
            "choose a writable workspace: --workspace DIR",
        )
    first = text.splitlines()[0] if text else type(err).__name__
    return StoreError(f"could not write to '{table}': {first}", "check the workspace is writable")


def _rows_written(entry: Mapping[str, Any]) -> int | None:
    metrics = entry.get("operationMetrics") or {}
    for name in ("num_added_rows", "num_output_rows", "numOutputRows"):
        if name in metrics:
            try:
                return int(metrics[name])
            except (TypeError, ValueError):
                return None
    return None


@dataclass
class BatchWriter:
    """Collects rows from a stage and commits them every ``every_rows`` rows or ``every_s`` seconds.

    A run killed at any point loses at most the batch in flight. Use as a context manager; rows left
    in the buffer are committed on a clean exit and on an exception (what finished is kept).
    """

    store: Store
    table: str
    stage: str
    params: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, int | None] = field(default_factory=dict)
    every_rows: int = 8
    every_s: float = 30.0
    upsert: bool = False
    written: int = 0
    _buffer: list[Mapping[str, Any]] = field(default_factory=list)
    _last: float = field(default_factory=time.monotonic)

    def add(self, row: Mapping[str, Any]) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= self.every_rows or time.monotonic() - self._last >= self.every_s:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            write = self.store.upsert if self.upsert else self.store.append
            write(self.table, self._buffer, stage=self.stage, params=self.params, inputs=self.inputs)
            self.written += len(self._buffer)
            self._buffer = []
        self._last = time.monotonic()

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()
