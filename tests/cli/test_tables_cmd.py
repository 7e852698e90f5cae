"""Table semantics through real ``yc`` processes: redacted URLs, one writer per table, a failed redo never
hides a good row, one row per key for raw readers, compaction, and older workspaces migrated."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from tests.support.fake_deepgram import FakeDeepgram
from tests.support.feeds import episodes_feed
from tests.support.media_server import MediaServer
from tests.support.speech import SHORT
from yc_cli.store import Store


def yc_cmd(ws: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "yc_cli.app", "-w", str(ws), *args]


def yc(ws: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "COLUMNS": "250", "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run(yc_cmd(ws, *args), capture_output=True, text=True, env=full, timeout=600)


def raw(ws: Path, table: str) -> pl.DataFrame:
    """The table as a reader without yc sees it: polars' read_delta, checked against pyarrow over the
    files of the current version (what DuckDB's read_parquet would get)."""
    frame = pl.read_delta(str(ws / table))
    assert pq.ParquetDataset(DeltaTable(str(ws / table)).file_uris()).read().num_rows == frame.height
    return frame


SECRETS = ("alice", "PASSWORD1", "APIKEY1", "SIG1", "MEDIASIG", "TOKEN2")


@pytest.mark.slow
def test_credentials_in_urls_never_reach_tables_logs_or_messages(
    media_server: MediaServer, make_speech, workspace: Path
) -> None:
    episodes_feed(
        media_server,
        make_speech(SHORT, "short.mp3"),
        ["a.mp3", "gone.mp3"],
        suffix="?X-Amz-Signature=MEDIASIG",
        missing=("gone.mp3",),
    )
    host = media_server.base_url.removeprefix("http://")
    source = f"http://alice:PASSWORD1@{host}/feed.rss?api_key=APIKEY1&sig=SIG1&page=1"
    runs = [yc(workspace, "--debug", "collect", source, "--retries", "0")]  # debug logs too
    assert runs[0].returncode == 0, runs[0].stderr
    assert ("GET", "/feed.rss") in media_server.requests  # the real URL was requested
    videos = Store(workspace).read("videos").sort("video_id")
    assert videos["status"].to_list() == ["ok", "failed"]
    assert set(videos["source"]) == {f"http://***@{host}/feed.rss?api_key=***&sig=***&page=1"}
    assert videos["source_url"][0] == media_server.url("a.mp3") + "?X-Amz-Signature=***"
    assert (
        videos.row(0, named=True)["enclosures"][0]["url"]
        == media_server.url("a.mp3") + "?X-Amz-Signature=***"
    )
    runs += [
        yc(workspace, "log", "videos", "--json"),
        yc(workspace, "log", "videos"),
        yc(workspace, "status", "--json"),
    ]
    assert json.loads(runs[1].stdout)[0]["params"]["source"].startswith("http://***@")
    failed = yc(workspace, "collect", f"http://alice:PASSWORD1@{host}/none.rss?token=TOKEN2")
    assert failed.returncode == 1 and "none.rss?token=***" in " ".join(failed.stderr.split())
    runs.append(failed)
    shown = "".join(r.stdout + r.stderr for r in runs)
    assert not [s for s in SECRETS if s in shown], shown
    # nothing stored either: every version of the table, the Delta log, the lock owner files
    store = Store(workspace)
    for entry in store.history("videos"):
        text = json.dumps(store.read("videos", version=entry["version"]).to_dicts(), default=str)
        assert not [s for s in SECRETS if s in text]
    for path in workspace.rglob("*"):
        if path.is_file() and path.suffix != ".parquet":
            assert not [s for s in SECRETS if s in path.read_bytes().decode("latin-1")], path


@pytest.mark.slow
def test_two_collects_on_one_workspace_take_turns(
    media_server: MediaServer, make_speech, workspace: Path
) -> None:
    names = [f"e{i}.mp3" for i in range(8)]
    episodes_feed(media_server, make_speech(SHORT, "short.mp3"), names)
    media_server.delay_s.update(
        {n: 0.4 for n in names}
    )  # the first run is still downloading when the second starts
    env = {**os.environ, "COLUMNS": "250"}
    cmd = yc_cmd(workspace, "collect", media_server.url("feed.rss"), "--retries", "0")
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    errs = [" ".join(err.split()) for _, err in results]
    assert sum("waiting: another run is writing the 'videos' table (pid" in e for e in errs) == 1, errs
    videos = raw(workspace, "videos")
    assert videos.height == 8 and set(videos["status"]) == {"ok"}
    assert all((workspace / p).is_file() for p in videos["audio_path"])
    # the run that waited found every video collected and fetched nothing
    [waited] = [e for e in errs if "waiting:" in e]
    assert re.search(r"already collected\W+8\b", waited) and re.search(r"collected now\W+0\b", waited), waited


OTHER = "Rust makes systems programming safe, and the compiler explains every mistake it finds."


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_failed_redo_keeps_the_good_transcript_and_is_retried(
    workspace: Path, make_speech, whisper_tiny_dir: Path
) -> None:
    (workspace / "audio").mkdir()
    shutil.copy(make_speech(SHORT, "short.wav"), workspace / "audio" / "a0.wav")
    shutil.copy(make_speech(OTHER, "other.wav"), workspace / "audio" / "a1.wav")
    Store(workspace).upsert(
        "videos",
        [
            {"video_id": v, "title": f"Title {v}", "status": "ok", "audio_path": f"audio/{v}.wav"}
            for v in ("a0", "a1")
        ],
        stage="collect",
    )
    fw = ("transcribe", "--model", str(whisper_tiny_dir), "--threads", "1")
    for args in (fw, (*fw, "--force")):  # a redo with --force replaces rows, never adds them
        res = yc(workspace, *args)
        assert res.returncode == 0, res.stderr
        assert raw(workspace, "transcripts").height == 2
    good = raw(workspace, "transcripts").sort("video_id")
    assert set(good["backend"]) == {"faster-whisper"} and "web server" in good["text"][0].lower()

    offline = {"DEEPGRAM_API_KEY": "dg-key", "YC_DEEPGRAM_BASE_URL": f"http://127.0.0.1:{_closed_port()}"}
    res = yc(workspace, "transcribe", "--backend", "deepgram", "--force", "--limit", "1", env=offline)
    assert res.returncode == 1  # the one video tried failed
    kept = raw(workspace, "transcripts").sort("video_id")
    assert (
        kept.select("video_id", "backend", "text", "status").rows()
        == good.select("video_id", "backend", "text", "status").rows()
    )
    assert kept["error"][0] and kept["error"][1] is None  # the failed redo is recorded on the row it kept
    assert "transcripts: 1 row kept after a failed redo" in " ".join(yc(workspace, "status").stdout.split())

    for _ in range(2):  # the good transcripts make the dataset; a forced render replaces, never duplicates
        res = yc(workspace, "render", "--force", "--min-words", "3", "--validation", "0")
        assert res.returncode == 0, res.stderr
        examples = raw(workspace, "examples")
        assert (
            sorted(examples["video_id"]) == ["a0", "a1"]
            and examples.select("video_id", "chunk").is_unique().all()
        )

    fake = FakeDeepgram().start()
    try:  # the next run tries the failed redo again, and its result replaces the row
        res = yc(
            workspace,
            "transcribe",
            "--backend",
            "deepgram",
            "--limit",
            "1",
            env={**offline, "YC_DEEPGRAM_BASE_URL": fake.base_url},
        )
    finally:
        fake.stop()
    assert res.returncode == 0, res.stderr
    final = raw(workspace, "transcripts").sort("video_id")
    assert final.select("backend", "error").rows() == [("deepgram", None), ("faster-whisper", None)]
    assert "hello and welcome back" in final["text"][0].lower()
    log = json.loads(yc(workspace, "log", "transcripts", "--json").stdout)
    assert [h["operation"] for h in log[:2]] == ["MERGE", "MERGE"] and log[0]["rows"] == 1


def test_compact_and_migration_of_an_older_workspace(workspace: Path) -> None:
    store = Store(workspace)
    for i in range(5):  # what an older yc left: every redo appended as another row
        store.append(
            "summaries", [{"video_id": f"v{j}", "summary": f"take {i}"} for j in range(3)], stage="summarize"
        )
    assert raw(workspace, "summaries").height == 15
    res = yc(workspace, "compact", "--json")
    assert res.returncode == 0, res.stderr
    [result] = json.loads(res.stdout)
    assert (result["table"], result["files_before"], result["files_after"], result["vacuumed"]) == (
        "summaries",
        5,
        1,
        0,
    )
    assert raw(workspace, "summaries").height == 15  # compaction changes files, never rows
    assert Store(workspace).read("summaries", version=0).height == 3  # older versions still read back

    Store(workspace).upsert("summaries", [{"video_id": "v3", "summary": "new"}], stage="summarize")
    current = raw(workspace, "summaries").sort("video_id")
    assert current.select("video_id", "summary").rows() == [
        ("v0", "take 4"),
        ("v1", "take 4"),
        ("v2", "take 4"),
        ("v3", "new"),
    ]
    log = json.loads(yc(workspace, "log", "summaries", "--json").stdout)
    assert [h["stage"] for h in log[:3]] == ["summarize", "migrate", "compact"]
    assert [h["version"] for h in log][-1] == 0 and len(log) >= 8  # yc log keeps every version


def test_the_dataset_card_never_shows_credentials_even_from_an_older_table(workspace: Path) -> None:
    import pyarrow as pa
    from deltalake import write_deltalake

    from tests.support.publish_data import build_workspace
    from yc_cli.stages.publish import dataset_frame
    from yc_curate.publish.dataset_card import render_dataset_card

    scratch = workspace.parent / "scratch"
    build_workspace(scratch, n=3)
    secret = "https://alice:PASSWORD1@feeds.test/show.rss?api_key=APIKEY1"
    videos = Store(scratch).read("videos").with_columns(pl.lit(secret).alias("source"))
    write_deltalake(str(workspace / "videos"), videos.to_arrow())  # videos v0 as an older yc stored it
    build_workspace(workspace, n=3)  # examples built from videos v0
    frame, info, _ = dataset_frame(Store(workspace))
    card = render_dataset_card(info, [], frame, pa.schema([]), 0)
    assert "https://***@feeds.test/show.rss?api_key=***" in card
    assert not [s for s in SECRETS if s in card]


def test_a_stage_compacts_a_table_its_batches_left_in_many_files(workspace: Path) -> None:
    from yc_cli.store import COMPACT_FILES, BatchWriter

    store = Store(workspace)
    with BatchWriter(store, "summaries", "summarize", every_rows=1) as writer:
        for i in range(COMPACT_FILES + 3):
            writer.add({"video_id": f"v{i}", "summary": f"s{i}"})
    assert store.files("summaries") == 1
    assert store.history("summaries")[0]["stage"] == "compact"
    assert raw(workspace, "summaries").height == COMPACT_FILES + 3
    assert store.read("summaries", version=3).height == 4  # versions before it still read back


def test_an_older_workspace_is_migrated_by_the_next_stage_run(workspace: Path) -> None:
    store = Store(workspace)
    captions = {"lang": "en", "kind": "manual", "text": "Welcome back. Today: Rust!", "segments": []}
    store.append(
        "videos", [{"video_id": v, "status": "ok", "captions": captions} for v in ("c1", "c2")], stage="c"
    )
    for take in ("first", "redo"):  # an older yc appended every redo as another row
        rows = [{"video_id": v, "text": take, "status": "ok", "params_hash": "old"} for v in ("c1", "c2")]
        store.append("transcripts", rows, stage="transcribe")
    assert raw(workspace, "transcripts").height == 4
    res = yc(workspace, "transcribe", "--backend", "captions")
    assert res.returncode == 0, res.stderr
    transcripts = raw(workspace, "transcripts")
    assert transcripts.height == 2 and set(transcripts["text"]) == {"Welcome back. Today: Rust!"}
    log = json.loads(yc(workspace, "log", "transcripts", "--json").stdout)
    assert [h["stage"] for h in log[:2]] == ["transcribe", "migrate"]
    assert sorted(Store(workspace).read("transcripts", version=log[1]["version"])["text"]) == ["redo", "redo"]
