"""The versioned store: one Delta Lake table per stage inside a workspace directory.

A workspace holds ``videos/``, ``transcripts/``, ``summaries/``, ``examples/`` (Delta tables, schemas in
:mod:`yc_cli.tables`) and ``audio/``. Every commit carries yc metadata (stage, parameters, input tables
and versions, yc version), so any version can be read back and ``yc status`` can show lineage.

Every table holds exactly its current rows, one per key, so a raw reader (``pl.read_delta``, pyarrow over
``DeltaTable(...).file_uris()``, Spark) sees the dataset: stages write through a Delta MERGE on the key
(:meth:`Store.upsert`); the rows a MERGE replaced stay readable in older versions (``yc log``, ``--version``).
A row whose ``status`` says the work failed (``failed``, ``skipped``) never replaces a good row: the good row
stays and its ``error`` (and ``error_kind``) records why the redo failed, which makes the stage try that key
again on its next run. A table written by an older yc (redos appended as extra rows) is rewritten to its
current rows on the first write (one ``migrate`` commit).

Delta commits are atomic: a writer killed mid-batch leaves at most orphan Parquet files that no version
references, never partial rows. One process writes a table at a time (:meth:`Store.writing`, file locks in
:mod:`yc_cli.locks`): MERGEs from two processes conflict. Each batch commit adds a small file, so a table
with more than :data:`COMPACT_FILES` files is compacted after a stage run, and files no version younger than
:data:`RETAIN_HOURS` needs are vacuumed (``yc compact`` does both on demand).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
import pyarrow.compute

from yc_cli import __version__
from yc_cli.errors import StoreError
from yc_cli.tables import KEYS, SCHEMAS
from yc_collect.redaction import redact_urls

if TYPE_CHECKING:
    from yc_cli.locks import OnWait

log = logging.getLogger(__name__)

BAD_STATUS = ("failed", "skipped")  # rows that record work which did not produce a result
NOTE_COLUMNS = ("error", "error_kind")  # what a failed redo records on the good row it leaves in place
# columns that may hold URLs (at any depth: enclosures is a list of structs): credentials in them are masked
REDACTED_COLUMNS = ("source", "source_url", "error", "image", "enclosures")
COMPACT_FILES = 32  # compact a table after a stage run once it has more data files than this
RETAIN_HOURS = 7 * 24  # vacuum keeps every file a version of the last week reads (yc log / --version)

Rows = Sequence[Mapping[str, Any]] | pl.DataFrame | pa.Table


def to_arrow(table: str, rows: Rows) -> pa.Table:
    """Rows (dicts, a polars frame or an Arrow table) as an Arrow table with the table's exact schema,
    credentials in URL columns masked (:func:`yc_collect.redaction.redact_urls`)."""
    data = _to_arrow(table, rows)
    for name in REDACTED_COLUMNS:
        if name in data.column_names:
            i = data.schema.get_field_index(name)
            field_ = data.schema.field(i)
            values = [_redacted(v) for v in data.column(name).to_pylist()]
            data = data.set_column(i, field_, pa.array(values, field_.type))
    return data


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_urls(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def _to_arrow(table: str, rows: Rows) -> pa.Table:
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
    _migrated: set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).expanduser()

    def writing(self, *tables: str, on_wait: OnWait | None = None):
        """Context manager: this process is the only writer of ``tables`` (waits for another run first)."""
        from yc_cli.locks import writing

        return writing(self.root, tables, on_wait)

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
            try:
                frame = pl.from_arrow(self._delta(table, version).to_pyarrow_table(columns=columns))
            except FileNotFoundError as err:  # a version older than what `yc compact` keeps
                raise StoreError(
                    f"version {version} of '{table}' can no longer be read: compaction removed its files",
                    f"read a version of the last {RETAIN_HOURS // 24} days (yc log {table} lists versions)",
                ) from err
        assert isinstance(frame, pl.DataFrame)
        return frame.select(columns) if columns else frame

    def current(self, table: str, version: int | None = None, where: pl.Expr | None = None) -> pl.DataFrame:
        """The current row per key: the table as written by this yc; for versions written by an older yc
        (redos appended as extra rows) the newest good row per key, else the newest."""
        frame = self.read(table, version)
        if where is not None:
            frame = frame.filter(where)
        return newest_good(table, frame)

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
                    "deleted": _metric(entry, "num_target_rows_deleted", "num_deleted_rows"),
                    "stage": entry.get("yc.stage"),
                    "params": json.loads(redact_urls(entry.get("yc.params") or "{}")),
                    "inputs": json.loads(entry.get("yc.inputs") or "{}"),
                    "yc_version": entry.get("yc.version"),
                }
            )
        return out

    def status(self) -> list[dict[str, Any]]:
        """One entry per table: version, rows, last commit, lineage, rows kept after a failed redo."""
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
                        "redo_failed": 0,
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
                    "redo_failed": self.redo_failed(table),
                }
            )
        return out

    def redo_failed(self, table: str) -> int:
        """Rows kept after a failed redo (good status, ``error`` says why the redo failed)."""
        names = SCHEMAS[table].names
        if "status" not in names or not self.exists(table):
            return 0
        frame = pl.scan_delta(str(self.path(table)))
        if "error" not in frame.collect_schema().names():
            return 0
        good = pl.col("status").is_null() | pl.col("status").is_in(list(BAD_STATUS)).not_()
        return frame.filter(good & pl.col("error").is_not_null()).select(pl.len()).collect().item()

    # -- writing -----------------------------------------------------------------------------
    def _commit(self, stage: str, params: Mapping[str, Any] | None, inputs: Mapping[str, int | None] | None):
        from deltalake import CommitProperties

        return CommitProperties(
            custom_metadata={
                "yc.stage": stage,
                "yc.params": redact_urls(json.dumps(dict(params or {}), sort_keys=True, default=str)),
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
        retries: int = 10,
    ) -> int | None:
        """Insert new keys and replace the rows of existing keys, in one MERGE commit; a failed row (status
        failed / skipped) only records its ``error`` on a good row it would replace. Returns the version."""
        data = to_arrow(table, rows)
        if data.num_rows == 0:
            return self.version(table)
        key = KEYS[table]
        dupes = pl.from_arrow(data.select(list(key))).is_duplicated()  # type: ignore[union-attr]
        if dupes.any():  # a MERGE refuses two source rows for one target row: the last one wins
            frame = pl.from_arrow(data).with_row_index("_i")  # type: ignore[union-attr]
            frame = frame.unique(subset=list(key), keep="last", maintain_order=True).drop("_i")
            data = to_arrow(table, frame)
        if not self.exists(table):
            return self.append(table, data, stage=stage, params=params, inputs=inputs)
        self._migrate(table)
        return self._merge(table, data, stage, params, inputs, retries)

    def _merge(self, table, data, stage, params, inputs, retries) -> int | None:
        from deltalake.exceptions import CommitFailedError

        predicate = " AND ".join(f"t.{k} = s.{k}" for k in KEYS[table])
        names = SCHEMAS[table].names
        for attempt in range(retries):
            try:
                merger = self._delta(table).merge(
                    data,
                    predicate,
                    source_alias="s",
                    target_alias="t",
                    merge_schema=True,  # columns added by a newer yc
                    commit_properties=self._commit(stage, params, inputs),
                )
                if "status" in names:
                    bad = "(" + ", ".join(f"'{b}'" for b in BAD_STATUS) + ")"
                    merger = merger.when_matched_update_all(
                        predicate=f"s.status IS NULL OR s.status NOT IN {bad} "
                        f"OR (t.status IS NOT NULL AND t.status IN {bad})"
                    ).when_matched_update(updates={c: f"s.{c}" for c in NOTE_COLUMNS if c in names})
                else:
                    merger = merger.when_matched_update_all()
                merger.when_not_matched_insert_all().execute()
                return self.version(table)
            except CommitFailedError:
                time.sleep(0.05 * (attempt + 1))
            except OSError:
                raise
            except Exception as err:
                raise _write_error(table, err) from err
        raise StoreError(f"'{table}' kept changing under this write", "run one writer per table at a time")

    def keep_only(
        self,
        table: str,
        keys: pl.DataFrame,
        *,
        stage: str,
        params: Mapping[str, Any] | None = None,
        inputs: Mapping[str, int | None] | None = None,
    ) -> int:
        """Delete every row whose key is not in ``keys`` (one MERGE commit, none when nothing goes).
        Returns the number of rows deleted."""
        if not self.exists(table):
            return 0
        key = list(KEYS[table])
        present = pl.scan_delta(str(self.path(table))).select(key).collect()
        gone = present.join(keys.select(key).unique(), on=key, how="anti").height
        if not gone:
            return 0
        source = keys.select(key).unique().to_arrow().cast(pa.schema([SCHEMAS[table].field(k) for k in key]))
        predicate = " AND ".join(f"t.{k} = s.{k}" for k in key)
        try:
            (
                self._delta(table)
                .merge(
                    source,
                    predicate,
                    source_alias="s",
                    target_alias="t",
                    commit_properties=self._commit(stage, params, inputs),
                )
                .when_not_matched_by_source_delete()
                .execute()
            )
        except OSError:
            raise
        except Exception as err:
            raise _write_error(table, err) from err
        return gone

    def _migrate(self, table: str) -> None:
        """A table an older yc wrote (redos appended as rows) becomes its current rows, in one commit."""
        from deltalake import write_deltalake

        if table in self._migrated:
            return
        self._migrated.add(table)
        key = list(KEYS[table])
        keys = pl.scan_delta(str(self.path(table))).select(key).collect()
        if keys.height == keys.unique().height:
            return
        rows = self.current(table)
        log.info("migrating '%s' to one row per key (%d rows -> %d)", table, keys.height, rows.height)
        try:
            write_deltalake(
                str(self.path(table)),
                to_arrow(table, rows.select([c for c in rows.columns if c in SCHEMAS[table].names])),
                mode="overwrite",
                schema_mode="merge",
                commit_properties=self._commit(
                    "migrate", {"reason": "one row per key (older yc appended redos)"}, {}
                ),
            )
        except OSError:
            raise
        except Exception as err:
            raise _write_error(table, err) from err

    def files(self, table: str) -> int:
        """How many data files the current version of ``table`` reads."""
        return len(self._delta(table).file_uris()) if self.exists(table) else 0

    def compact(self, table: str, retain_hours: int = RETAIN_HOURS) -> dict[str, Any]:
        """Rewrite small files into large ones (OPTIMIZE) and delete the files that no version younger
        than ``retain_hours`` reads (VACUUM). Versions stay listed in ``yc log``; reading an older one
        than that with ``--version`` fails. Returns files before / after, files vacuumed, version."""
        before = self.files(table)
        dt = self._delta(table)
        try:
            params = {"retain_hours": retain_hours}
            if before > 1:
                dt.optimize.compact(commit_properties=self._commit("compact", params, {}))
            removed = self._delta(table).vacuum(
                retention_hours=retain_hours,
                dry_run=False,
                enforce_retention_duration=False,
                commit_properties=self._commit("compact", params, {}),
            )
        except OSError:
            raise
        except Exception as err:
            raise _write_error(table, err) from err
        return {
            "table": table,
            "files_before": before,
            "files_after": self.files(table),
            "vacuumed": len(removed),
            "version": self.version(table),
        }

    def maintain(self, table: str) -> dict[str, Any] | None:
        """Compact ``table`` when a stage's batch commits left it with many small files (else None)."""
        if self.files(table) <= COMPACT_FILES:
            return None
        result = self.compact(table)
        log.info("compacted '%s': %s", table, result)
        return result


def newest_good(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """One row per key: the newest good row (status not failed / skipped), else the newest row."""
    order = "created_at" if "created_at" in frame.columns else "collected_at"
    by = [order]
    if "status" in frame.columns:
        good = pl.col("status").is_null() | pl.col("status").is_in(list(BAD_STATUS)).not_()
        frame = frame.with_columns(good.alias("_good"))
        by = ["_good", order]
    out = frame.sort(by, nulls_last=False).unique(subset=list(KEYS[table]), keep="last", maintain_order=True)
    return out.drop("_good") if "_good" in out.columns else out


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


def _metric(entry: Mapping[str, Any], *names: str) -> int | None:
    metrics = entry.get("operationMetrics") or {}
    for name in names:
        if name in metrics:
            try:
                return int(metrics[name])
            except (TypeError, ValueError):
                return None
    return None


def _rows_written(entry: Mapping[str, Any]) -> int | None:
    """Rows a commit added or replaced (a MERGE: inserted + updated; an append: added)."""
    inserted = _metric(entry, "num_target_rows_inserted")
    if inserted is not None:
        return inserted + (_metric(entry, "num_target_rows_updated") or 0)
    return _metric(entry, "num_added_rows", "num_output_rows", "numOutputRows")


@dataclass
class BatchWriter:
    """Collects rows from a stage and MERGEs them into ``table`` every ``every_rows`` rows or ``every_s``
    seconds (:meth:`Store.upsert`).

    A run killed at any point loses at most the batch in flight. Use as a context manager; rows left
    in the buffer are committed on a clean exit and on an exception (what finished is kept); after a
    clean exit the table is compacted if its batch commits left it with many small files.
    """

    store: Store
    table: str
    stage: str
    params: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, int | None] = field(default_factory=dict)
    every_rows: int = 8
    every_s: float = 30.0
    written: int = 0
    _buffer: list[Mapping[str, Any]] = field(default_factory=list)
    _last: float = field(default_factory=time.monotonic)

    def add(self, row: Mapping[str, Any]) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= self.every_rows or time.monotonic() - self._last >= self.every_s:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self.store.upsert(
                self.table, self._buffer, stage=self.stage, params=self.params, inputs=self.inputs
            )
            self.written += len(self._buffer)
            self._buffer = []
        self._last = time.monotonic()

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.flush()
        if self.written and exc_type is None:  # an interrupted run exits at once
            self.store.maintain(self.table)
