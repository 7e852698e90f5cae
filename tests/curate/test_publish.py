"""yc_curate.publish: Parquet shards + card (checked with `datasets`), upload through the real
huggingface_hub client to a loopback fake Hub (commits, unchanged re-publish, 401, 5xx, token secrecy)."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml

from tests.support.fake_hub import FakeHub
from tests.support.publish_data import TOKEN, examples_frame, run_fake_hub
from yc_curate.errors import CurateError
from yc_curate.publish import DatasetCardInfo, export_dataset, upload_folder_as_commit


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    yield from run_fake_hub(monkeypatch)


SHARD = re.compile(r"^data/(train|validation|test)-(\d{5})-of-(\d{5})\.parquet$")


def card_yaml(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert m, "card has no YAML header"
    return yaml.safe_load(m.group(1))


def info() -> DatasetCardInfo:
    return DatasetCardInfo(
        repo_id="me/fireship",
        channels=["Fireship"],
        n_videos=25,
        audio_hours=1.04,
        transcription=["faster-whisper (tiny.en): 25 videos"],
        summarization=["local (SmolLM2-135M-Instruct): 25 videos"],
        template="fireship",
        table_version=3,
        yc_version="0.1.0",
    )


def test_export_gives_the_splits_columns_and_sizes_the_card_declares(tmp_path: Path) -> None:
    import datasets

    frame = examples_frame(25)
    out = tmp_path / "export"
    files = export_dataset(frame, out, info(), max_shard_rows=4)
    rel = [f.relative_to(out).as_posix() for f in files]
    assert rel[-1] == "README.md"
    shards = rel[:-1]
    assert all(SHARD.match(p) for p in shards), shards
    # shard size is bounded and names count correctly: 18 train rows / 4 -> 5 shards
    train = [p for p in shards if p.startswith("data/train-")]
    assert len(train) == 5 and all(p.endswith("-of-00005.parquet") for p in train)
    assert max(pq.read_metadata(out / p).num_rows for p in shards) <= 4

    card = card_yaml(out / "README.md")
    for key in ("configs", "dataset_info", "license", "language", "task_categories", "tags", "pretty_name"):
        assert key in card, key
    data_files = {d["split"]: d["path"] for d in card["configs"][0]["data_files"]}
    assert set(data_files) == {"train", "validation", "test"}
    ds = datasets.load_dataset(
        "parquet",
        data_files={k: str(out / v) for k, v in data_files.items()},
        cache_dir=str(tmp_path / "hf-cache"),
    )
    declared = {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]}
    assert {k: len(v) for k, v in ds.items()} == declared == {"train": 20, "validation": 2, "test": 3}
    features = datasets.Features._from_yaml_list(card["dataset_info"]["features"])
    assert ds["train"].features == features
    for col in ("text", "prompt", "completion", "messages", "video_id", "title", "upload_date"):
        assert col in ds["train"].column_names
    assert "split" not in ds["train"].column_names
    # rows survive intact (messages as role/content dicts)
    by_id = {r["video_id"]: r for r in ds["train"]}
    src = frame.filter(pl.col("video_id") == "vid001").row(0, named=True)
    assert by_id["vid001"]["text"] == src["text"]
    assert by_id["vid001"]["messages"] == src["messages"]

    body = (out / "README.md").read_text()
    assert "Fireship" in body and "faster-whisper (tiny.en)" in body and "`examples` version 3" in body
    assert "type: completion" in body and "yc train" in body
    assert src["title"] in body  # the rendered example is the first training row
    assert "| train | 20 | 5 |" in body


def test_export_is_deterministic_and_drops_stale_shards(tmp_path: Path) -> None:
    frame = examples_frame(12)
    out = tmp_path / "export"
    first = {p: p.read_bytes() for p in export_dataset(frame, out, info(), max_shard_rows=3)}
    again = {p: p.read_bytes() for p in export_dataset(frame, out, info(), max_shard_rows=3)}
    assert first == again
    (out / "data" / "mine.parquet").write_bytes(b"the user's own file")  # not a yc shard name: kept
    export_dataset(frame, out, info(), max_shard_bytes=10**9)  # one shard per split now
    assert sorted(p.name for p in (out / "data").iterdir()) == [
        "mine.parquet",
        "test-00000-of-00001.parquet",
        "train-00000-of-00001.parquet",
        "validation-00000-of-00001.parquet",
    ]
    tiny = export_dataset(frame, tmp_path / "bytes", None, max_shard_bytes=2_000)
    assert len(tiny) > 4  # the byte bound splits as well


def test_upload_arrives_intact_and_an_unchanged_republish_makes_no_commit(
    fake_hub: FakeHub, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    export_dataset(examples_frame(12), out, info(), max_shard_rows=4)
    result = upload_folder_as_commit(out, "me/fireship", message="first", delete_stale=("data/",))
    assert result.changed and result.revision == "main"
    remote = fake_hub.files("me/fireship")
    local = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert {k: v for k, v in remote.items() if k != ".gitattributes"} == local
    commits = fake_hub.commits("me/fireship")
    assert [c.message for c in commits] == ["initial commit", "first"]
    assert result.commit == commits[-1].oid
    # parquet went through LFS, the card as a regular file
    assert fake_hub.count("PUT", r"^/lfs-upload/") == len(local) - 1

    again = upload_folder_as_commit(out, "me/fireship", message="second", delete_stale=("data/",))
    assert not again.changed and again.commit == result.commit
    assert len(fake_hub.commits("me/fireship")) == 2

    # fewer, larger shards: the new commit deletes the stale ones
    export_dataset(examples_frame(12), out, info(), max_shard_bytes=10**9)
    third = upload_folder_as_commit(out, "me/fireship", message="third", delete_stale=("data/",))
    assert third.changed and len(third.deleted) == 3
    assert sorted(p for p in fake_hub.files("me/fireship") if p.startswith("data/")) == [
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00001.parquet",
        "data/validation-00000-of-00001.parquet",
    ]


def test_branch_and_private(fake_hub: FakeHub, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export_dataset(examples_frame(6), out, info())
    result = upload_folder_as_commit(out, "me/priv", private=True, revision="v2")
    assert result.revision == "v2"
    repo = fake_hub.repo("me/priv")
    assert repo.private
    assert "README.md" in fake_hub.files("me/priv", revision="v2")
    assert "README.md" not in fake_hub.files("me/priv", revision="main")


def _leaks(text: str) -> bool:
    return TOKEN in text


def test_bad_token_gives_a_clear_error_and_never_leaks(
    fake_hub: FakeHub, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "export"
    export_dataset(examples_frame(6), out, info())
    fake_hub.tokens = {"hf_some_other_valid_token_xxxxxxxx"}
    with pytest.raises(CurateError) as err:
        upload_folder_as_commit(out, "me/fireship")
    assert "401" in str(err.value) and "HF_TOKEN" in (err.value.hint or "")
    assert "hf auth login" in (err.value.hint or "")
    text = "".join(traceback.format_exception(err.value))
    captured = capfd.readouterr()
    for blob in (text, caplog.text, captured.out, captured.err, repr(err.value.hint)):
        assert not _leaks(blob)
    assert ("dataset", "me/fireship") not in fake_hub.repos


def test_missing_token_names_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import huggingface_hub.constants as hf_constants

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.setattr(hf_constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "README.md").write_text("x")
    with pytest.raises(CurateError, match="no Hugging Face token") as err:
        upload_folder_as_commit(tmp_path / "d", "me/x")
    assert "HF_TOKEN" in (err.value.hint or "")


def test_offline_mode_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "README.md").write_text("x")
    with pytest.raises(CurateError, match="offline mode") as err:
        upload_folder_as_commit(tmp_path / "d", "me/x", token=TOKEN, endpoint="http://127.0.0.1:9")
    assert "--to DIR" in (err.value.hint or "")


def test_server_errors_are_retried_and_a_failed_commit_publishes_nothing(
    fake_hub: FakeHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "export"
    export_dataset(examples_frame(12), out, info(), max_shard_rows=4)
    # one failing LFS upload (retried by huggingface_hub) and one failing commit (retried by yc)
    fake_hub.fail = {"lfs-upload": [500], "commit": [503]}
    result = upload_folder_as_commit(out, "me/flaky", retry_wait_s=0.01)
    assert result.changed
    assert len(fake_hub.commits("me/flaky")) == 2  # initial + exactly one publish
    assert fake_hub.count("POST", r"/commit/") == 2

    # a Hub that keeps failing: a clean error, and the repo is as it was (no partial commit)
    export_dataset(examples_frame(14), out, info(), max_shard_rows=4)
    before = fake_hub.files("me/flaky")
    fake_hub.fail_always = {"commit": 502}
    with pytest.raises(CurateError) as err:
        upload_folder_as_commit(out, "me/flaky", retries=2, retry_wait_s=0.01)
    assert "502" in str(err.value) and "nothing was published" in str(err.value)
    assert fake_hub.files("me/flaky") == before
    assert len(fake_hub.commits("me/flaky")) == 2
    assert not _leaks("".join(traceback.format_exception(err.value)) + caplog.text)


def test_unreachable_hub_is_reported_cleanly(fake_hub: FakeHub, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "README.md").write_text("hello")
    fake_hub.stop()
    with pytest.raises(CurateError, match="cannot reach the Hub") as err:
        upload_folder_as_commit(tmp_path / "d", "me/x", retries=0)
    assert "HF_ENDPOINT" in (err.value.hint or "")
