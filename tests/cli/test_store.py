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
