"""The versioned store: exact round trips per version, crash safety, concurrency, lineage, incremental keys."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from yc_cli.errors import StoreError
from yc_cli.store import BatchWriter, Store


def _video(i: int, **extra) -> dict:
    return {
        "video_id": f"v{i:03d}",
        "title": f"Video {i}",
        "upload_date": date(2024, 1, 1 + i % 28),
        "duration_s": 60.0 + i,
        "tags": ["rust", f"t{i}"],
        "captions": {
            "lang": "en",
            "kind": "manual",
            "text": f"hello {i}",
            "segments": [{"start": 0.0, "end": 1.5, "text": f"hello {i}"}],
        },
        "status": "ok",
        **extra,
    }


def test_three_versions_read_back_exactly(workspace: Path) -> None:
    store = Store(workspace)
    batches = [[_video(i) for i in range(k * 3, k * 3 + 3)] for k in range(3)]
    versions = [
        store.append("videos", b, stage="collect", params={"batch": k}) for k, b in enumerate(batches)
    ]
    assert versions == [0, 1, 2]
    for k, v in enumerate(versions):
        frame = store.read("videos", version=v).sort("video_id")
        expected_ids = [r["video_id"] for b in batches[: k + 1] for r in b]
        assert frame["video_id"].to_list() == expected_ids
        row = frame.filter(pl.col("video_id") == "v001").row(0, named=True) if k >= 0 else None
        assert row["tags"] == ["rust", "t1"]
        assert row["upload_date"] == date(2024, 1, 2)
        assert row["captions"]["segments"] == [{"start": 0.0, "end": 1.5, "text": "hello 1"}]
        assert frame.schema["collected_at"] == pl.Datetime("us", "UTC")
    assert store.version("videos") == 2


def test_commit_metadata_and_lineage(workspace: Path) -> None:
    store = Store(workspace)
    store.append("videos", [_video(1)], stage="collect", params={"limit": 5})
    store.append(
        "transcripts",
        [{"video_id": "v001", "backend": "faster-whisper", "text": "hi", "params_hash": "abc"}],
        stage="transcribe",
        params={"model": "tiny.en"},
        inputs={"videos": 0},
    )
    head = store.history("transcripts")[0]
    assert head["stage"] == "transcribe"
    assert head["params"] == {"model": "tiny.en"}
    assert head["inputs"] == {"videos": 0}
    assert head["yc_version"]
    status = {s["table"]: s for s in store.status()}
    assert status["videos"]["rows"] == 1 and status["videos"]["version"] == 0
    assert status["transcripts"]["inputs"] == {"videos": 0}
    assert status["examples"]["version"] is None and status["examples"]["rows"] == 0


def test_upsert_replaces_by_key_and_missing_keys(workspace: Path) -> None:
    store = Store(workspace)
    store.append("videos", [_video(1, status="failed", error_kind="network"), _video(2)], stage="collect")
    store.upsert("videos", [_video(1), _video(3)], stage="collect")
    frame = store.read("videos").sort("video_id")
    assert frame["video_id"].to_list() == ["v001", "v002", "v003"]
    assert frame.filter(pl.col("video_id") == "v001")["status"].item() == "ok"
    ok = pl.col("status") == "ok"
    assert store.missing("videos", ["v004", "v001", "v002", "v005"], where=ok) == ["v004", "v005"]
    # A redo appended later wins in `current`.
    store.append("transcripts", [{"video_id": "v1", "text": "old", "params_hash": "h1"}], stage="t")
    store.append("transcripts", [{"video_id": "v1", "text": "new", "params_hash": "h2"}], stage="t")
    assert store.current("transcripts")["text"].to_list() == ["new"]
    assert store.missing("transcripts", ["v1", "v2"], where=pl.col("params_hash") == "h1") == ["v2"]


def test_schema_is_explicit(workspace: Path) -> None:
    store = Store(workspace)
    with pytest.raises(StoreError, match="not in the 'videos' schema"):
        store.append("videos", [{"video_id": "x", "bogus": 1}], stage="collect")
    empty = store.read("examples")
    assert empty.height == 0 and "n_tokens" in empty.columns
    with pytest.raises(StoreError, match="unknown table"):
        store.read("nope")


def test_batch_writer_commits_every_n_rows(workspace: Path) -> None:
    store = Store(workspace)
    with BatchWriter(store, "videos", "collect", every_rows=2) as writer:
        for i in range(5):
            writer.add(_video(i))
    assert writer.written == 5
    assert store.version("videos") == 2  # 2 + 2 + 1 rows
    assert store.read("videos").height == 5


_WRITER = textwrap.dedent(
    """
    import sys, time
    from yc_cli.store import Store
    store = Store(sys.argv[1])
    tag = sys.argv[2]
    for batch in range(int(sys.argv[3])):
        rows = [{"video_id": f"{tag}-{batch}-{i}", "title": tag, "status": "ok", "error": "x" * 2000} for i in range(50)]
        store.append("videos", rows, stage="collect", params={"batch": batch})
        print(batch, flush=True)
    """
)


def _spawn(workspace: Path, tag: str, batches: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(workspace), tag, str(batches)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.slow
def test_writer_killed_mid_batch_leaves_no_partial_rows(workspace: Path) -> None:
    proc = _spawn(workspace, "k", 1000)
    assert proc.stdout is not None
    for _ in range(3):  # let a few batches commit, then kill it while it is writing the next ones
        proc.stdout.readline()
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    frame = Store(workspace).read("videos")
    assert frame.height >= 150
    per_batch = (
        frame.with_columns(pl.col("video_id").str.split("-").list.get(1).alias("b")).group_by("b").len()
    )
    assert set(per_batch["len"].to_list()) == {50}  # every committed batch is whole
    assert frame["video_id"].n_unique() == frame.height


@pytest.mark.slow
def test_concurrent_appends_from_two_processes_keep_both(workspace: Path) -> None:
    procs = [_spawn(workspace, tag, 6) for tag in ("a", "b")]
    for p in procs:
        p.wait(timeout=120)
        assert p.returncode == 0
    frame = Store(workspace).read("videos")
    assert frame.height == 2 * 6 * 50
    assert frame.group_by("title").len().sort("title")["len"].to_list() == [300, 300]


def _raw(store: Store, table: str) -> pl.DataFrame:
    """What a reader without yc sees: polars over the Delta table, and pyarrow over its file list."""
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    frame = pl.read_delta(str(store.path(table)))
    files = DeltaTable(str(store.path(table))).file_uris()
    assert pq.ParquetDataset(files).read().num_rows == frame.height
    return frame


def test_redo_merges_so_raw_readers_see_one_row_per_key(workspace: Path) -> None:
    store = Store(workspace)
    rows = [
        {"video_id": f"v{i}", "text": f"first {i}", "status": "ok", "params_hash": "h1"} for i in range(4)
    ]
    store.upsert("transcripts", rows, stage="transcribe")
    redo = [{**r, "text": r["text"].replace("first", "second")} for r in rows[:2]]
    v = store.upsert("transcripts", redo, stage="transcribe")
    raw = _raw(store, "transcripts").sort("video_id")
    assert raw["text"].to_list() == ["second 0", "second 1", "first 2", "first 3"]
    # the replaced rows stay readable in the version before the MERGE
    assert sorted(store.read("transcripts", version=v - 1)["text"]) == [f"first {i}" for i in range(4)]
    assert store.history("transcripts")[0]["operation"] == "MERGE"
    assert store.history("transcripts")[0]["rows"] == 2


def test_a_failed_redo_keeps_the_good_row_and_records_why(workspace: Path) -> None:
    store = Store(workspace)
    good = {"video_id": "v1", "backend": "faster-whisper", "text": "good words", "status": "ok"}
    store.upsert("transcripts", [good, {"video_id": "v2", "status": "failed", "error": "boom"}], stage="t")
    failed = {"video_id": "v1", "backend": "deepgram", "status": "failed", "error": "deepgram unreachable"}
    fixed = {"video_id": "v2", "backend": "deepgram", "text": "now good", "status": "ok"}
    store.upsert("transcripts", [failed, fixed], stage="t")
    raw = _raw(store, "transcripts").sort("video_id").select("video_id", "backend", "text", "status", "error")
    assert raw.rows() == [
        ("v1", "faster-whisper", "good words", "ok", "deepgram unreachable"),
        ("v2", "deepgram", "now good", "ok", None),
    ]
    # a later success replaces the good row and clears the note
    store.upsert("transcripts", [{**good, "backend": "deepgram", "text": "dg"}], stage="t")
    assert _raw(store, "transcripts").filter(pl.col("video_id") == "v1").select("text", "error").row(0) == (
        "dg",
        None,
    )


def test_keep_only_deletes_the_rest_in_one_commit(workspace: Path) -> None:
    store = Store(workspace)
    rows = [{"video_id": f"v{i}", "chunk": c, "text": "t"} for i in range(3) for c in range(2)]
    store.upsert("examples", rows, stage="render")
    keep = pl.DataFrame({"video_id": ["v0", "v0", "v2"], "chunk": [0, 1, 0]})
    assert store.keep_only("examples", keep, stage="render") == 3
    assert sorted(_raw(store, "examples").select("video_id", "chunk").rows()) == [
        ("v0", 0),
        ("v0", 1),
        ("v2", 0),
    ]
    version = store.version("examples")
    assert store.keep_only("examples", keep, stage="render") == 0 and store.version("examples") == version


def test_a_table_written_by_an_older_yc_is_migrated_on_first_write(workspace: Path) -> None:
    store = Store(workspace)
    store.append("transcripts", [{"video_id": "a", "text": "a1", "status": "ok"}], stage="t")
    store.append("transcripts", [{"video_id": "a", "text": "a2", "status": "ok"}], stage="t")
    store.append("transcripts", [{"video_id": "a", "status": "failed", "error": "x"}], stage="t")
    store.append("transcripts", [{"video_id": "b", "text": "b1", "status": "ok"}], stage="t")
    assert _raw(store, "transcripts").height == 4
    Store(workspace).upsert("transcripts", [{"video_id": "c", "text": "c1", "status": "ok"}], stage="t")
    raw = _raw(store, "transcripts").sort("video_id")
    assert raw.select("video_id", "text").rows() == [("a", "a2"), ("b", "b1"), ("c", "c1")]
    assert [h["stage"] for h in store.history("transcripts")[:2]] == ["t", "migrate"]


def test_compact_merges_files_and_keeps_versions_readable(workspace: Path) -> None:
    store = Store(workspace)
    for i in range(6):
        store.upsert("videos", [_video(i)], stage="collect")
    before = store.version("videos")
    result = store.compact("videos")
    assert result["files_before"] == 6 and result["files_after"] == 1
    assert result["vacuumed"] == 0  # the retention keeps every file a recent version reads
    assert store.read("videos", version=before - 3).height == 3
    assert _raw(store, "videos").height == 6
    assert store.compact("videos", retain_hours=0)["vacuumed"] == 6
    assert _raw(store, "videos").height == 6
    with pytest.raises(StoreError, match="compaction removed its files"):
        store.read("videos", version=before - 3)
    assert [h["operation"] for h in store.history("videos")[:3]] == ["VACUUM END", "VACUUM START", "OPTIMIZE"]
    assert store.history("videos")[0]["stage"] == "compact"
