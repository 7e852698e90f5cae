"""`yc publish` end to end: a workspace's examples table -> the fake Hub (through the real
huggingface_hub client), --to DIR, --dry-run, --version, the record in `yc status`, `--model`,
and the token in no output, log line, file or error."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import yaml

from tests.support.fake_hub import FakeHub
from tests.support.publish_data import TOKEN, build_workspace, example_rows, run_fake_hub
from yc_cli.app import main
from yc_cli.store import Store


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    yield from run_fake_hub(monkeypatch)


def header(text: str) -> dict:
    m = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert m
    return yaml.safe_load(m.group(1))


def all_text(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file())


def test_publish_workspace_examples(
    fake_hub: FakeHub, workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    build_workspace(workspace, n=12)
    ws = ["--workspace", str(workspace)]

    assert main([*ws, "publish", "me/fireship", "--max-shard-rows", "4", "-m", "first publish"]) == 0
    first = capsys.readouterr()
    files = fake_hub.files("me/fireship")
    assert "data/train-00000-of-00003.parquet" in files and "README.md" in files
    assert fake_hub.commits("me/fireship")[-1].message == "first publish"
    card = files["README.md"].decode()
    meta = header(card)
    assert {s["name"]: s["num_examples"] for s in meta["dataset_info"]["splits"]} == {
        "train": 9,
        "validation": 1,
        "test": 2,
    }
    assert meta["language"] == ["en"] and "template:fireship" in meta["tags"]
    assert meta["license"] == "unknown" and meta["task_categories"] == ["text-generation"]
    # provenance from the other tables
    assert "Fireship" in card and "| videos | 12 |" in card and "| hours of audio | 0.50 |" in card
    assert (
        "faster-whisper (tiny.en): 12 videos" in card and "local (SmolLM2-135M-Instruct): 12 videos" in card
    )
    assert "`examples` version 0" in card
    assert (
        next(c for c in meta["dataset_info"]["features"] if c["name"] == "upload_date")["dtype"] == "date32"
    )

    # yc status shows what was published
    assert main([*ws, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    [pub] = status["published"]
    assert pub["repo_id"] == "me/fireship" and pub["table_version"] == 0 and pub["changed"] is True
    assert pub["commit"] == fake_hub.repo("me/fireship").branches["main"]
    assert main([*ws, "status"]) == 0
    assert "me/fireship" in capsys.readouterr().out

    # unchanged version: no new commit
    assert main([*ws, "publish", "me/fireship", "--max-shard-rows", "4"]) == 0
    again = capsys.readouterr()
    assert "unchanged" in again.out
    assert len(fake_hub.commits("me/fireship")) == 2

    # --to DIR writes the very same files, --dry-run lists them and touches nothing
    out = tmp_path / "local"
    n_requests = len(fake_hub.requests)
    assert main([*ws, "publish", "me/fireship", "--max-shard-rows", "4", "--to", str(out)]) == 0
    local = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert json.loads(local.pop(".yc-output.json"))["files"] == sorted(local)  # yc's manifest of its files
    assert local == {k: v for k, v in files.items() if k != ".gitattributes"}
    assert main([*ws, "publish", "me/fireship", "--dry-run", "--private"]) == 0
    dry = capsys.readouterr().out
    assert "dry run" in dry and "data/train-00000-of-00001.parquet" in dry and "(private)" in dry
    assert len(fake_hub.requests) == n_requests

    # a newer examples version is a new commit; --version 0 publishes the old one to a branch
    Store(workspace).append("examples", example_rows(14), stage="render", inputs={"videos": 0})
    assert main([*ws, "publish", "me/fireship"]) == 0
    assert "examples version 1" in fake_hub.files("me/fireship")["README.md"].decode().replace("`", "")
    assert main([*ws, "publish", "me/fireship", "--version", "0", "--revision", "v0"]) == 0
    assert "`examples` version 0" in fake_hub.files("me/fireship", revision="v0")["README.md"].decode()
    status_rows = json.loads(
        (capsys.readouterr(), main([*ws, "status", "--json"]), capsys.readouterr().out)[2]
    )
    assert {(p["revision"], p["table_version"]) for p in status_rows["published"]} == {("main", 1), ("v0", 0)}

    rest = capsys.readouterr()
    everything = "\n".join(
        [
            first.out,
            first.err,
            again.out,
            again.err,
            dry,
            rest.out,
            rest.err,
            caplog.text,
            all_text(workspace),
        ]
    )
    assert TOKEN not in everything
    assert all(TOKEN.encode() not in blob for blob in fake_hub.files("me/fireship").values())


def test_publish_errors_are_one_line_with_a_fix(
    fake_hub: FakeHub, workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = ["--workspace", str(workspace)]
    assert main([*ws, "publish", "me/x"]) == 1
    assert "curate" in capsys.readouterr().err  # no examples yet: the fix is to render them
    build_workspace(workspace, n=4)
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token_abcdefghijklmnop")
    assert main([*ws, "publish", "me/x"]) == 1
    err = capsys.readouterr().err
    assert "401" in err and "HF_TOKEN" in err and "hf_wrong_token_abcdefghijklmnop" not in err
    assert not (workspace / "published.jsonl").exists()
    assert main([*ws, "publish"]) == 1
    assert "REPO_ID" in capsys.readouterr().err


def make_run_dir(root: Path) -> Path:
    run = root / "outputs" / "lora"
    (run / "checkpoint-10").mkdir(parents=True)
    (run / "checkpoint-10" / "optimizer.pt").write_bytes(b"state")
    (run / "merged").mkdir()
    (run / "adapter_config.json").write_text(
        json.dumps(
            {"base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct", "peft_type": "LORA", "r": 8}
        )
    )
    (run / "adapter_model.safetensors").write_bytes(b"\x00adapter-weights" * 64)
    (run / "tokenizer.json").write_text('{"version": "1.0"}')
    (run / "yc_config.yml").write_text(
        "base_model: HuggingFaceTB/SmolLM2-135M-Instruct\nadapter: lora\nlora_r: 8\nlora_alpha: 16\n"
        "learning_rate: 0.0002\nnum_epochs: 1\nhub_token: hf_should_never_appear\n"
        "datasets:\n  - path: me/fireship\n    type: completion\n"
    )
    (run / "metrics.jsonl").write_text(
        "\n".join(
            json.dumps(r)
            for r in [{"step": 1, "loss": 3.2}, {"step": 2, "loss": 2.5}, {"step": 2, "eval_loss": 2.7}]
        )
    )
    (run / "loss.png").write_bytes(b"\x89PNG fake")
    (run / "merged" / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (run / "merged" / "model.safetensors").write_bytes(b"\x00merged-weights" * 64)
    return run


def test_publish_model_folder(fake_hub: FakeHub, workspace: Path, tmp_path: Path, capsys) -> None:
    run = make_run_dir(tmp_path)
    ws = ["--workspace", str(workspace)]
    assert main([*ws, "publish", "--model", str(run), "me/fireship-lora"]) == 0
    files = fake_hub.files("me/fireship-lora", repo_type="model")
    assert files["adapter_model.safetensors"] == (run / "adapter_model.safetensors").read_bytes()
    assert {"tokenizer.json", "yc_config.yml", "metrics.jsonl", "loss.png", "README.md"} <= set(files)
    assert not any(p.startswith(("checkpoint-", "merged/")) or p == "model.safetensors" for p in files)
    card = files["README.md"].decode()
    meta = header(card)
    assert meta["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert meta["library_name"] == "peft" and meta["datasets"] == ["me/fireship"]
    assert "| final train loss | 2.5 |" in card and "| best eval loss | 2.7 |" in card
    assert "| lora_r | 8 |" in card and "![training loss](loss.png)" in card
    assert "hf_should_never_appear" not in card

    assert main([*ws, "publish", "--model", str(run), "me/fireship-merged", "--merged"]) == 0
    merged = fake_hub.files("me/fireship-merged", repo_type="model")
    assert merged["model.safetensors"] == (run / "merged" / "model.safetensors").read_bytes()
    assert "adapter_model.safetensors" not in merged and "metrics.jsonl" in merged
    assert header(merged["README.md"].decode())["library_name"] == "transformers"

    capsys.readouterr()
    assert main([*ws, "status", "--json"]) == 0
    kinds = {(p["kind"], p["repo_id"]) for p in json.loads(capsys.readouterr().out)["published"]}
    assert kinds == {("model", "me/fireship-lora"), ("model", "me/fireship-merged")}

    # --to DIR writes the same files; a folder without weights is refused with a fix
    out = tmp_path / "model-out"
    assert main([*ws, "publish", "--model", str(run), "me/fireship-lora", "--to", str(out)]) == 0
    assert (out / "README.md").read_bytes() == files["README.md"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([*ws, "publish", "--model", str(empty), "me/x"]) == 1
    assert "no model weights" in capsys.readouterr().err


def test_publish_what_the_render_stage_wrote(fake_hub: FakeHub, workspace: Path, tmp_path: Path) -> None:
    """Examples rendered by the real render stage (fireship template) export and load as declared."""
    import datasets

    from yc_cli.stages import render

    build_workspace(workspace, n=10)
    store = Store(workspace)
    vocab = [
        "react",
        "rust",
        "python",
        "vector",
        "database",
        "kernel",
        "compiler",
        "browser",
        "cloud",
        "shader",
        "token",
        "cache",
    ]
    store.append(
        "transcripts",
        [
            {
                "video_id": f"vid{i:03d}",
                "backend": "faster-whisper",
                "model": "tiny.en",
                "language": "en",
                "status": "ok",
                "text": " ".join(f"{vocab[(i * 7 + j * 3) % len(vocab)]}{i}x{j}" for j in range(60)),
            }
            for i in range(10)
        ],
        stage="transcribe",
        inputs={"videos": 0},
    )
    render.run(store, template="fireship", validation=0.2, png=False)
    rendered = render.current_examples(store)
    assert rendered.height >= 8

    out = tmp_path / "export"
    assert main(["--workspace", str(workspace), "publish", "me/rendered", "--to", str(out)]) == 0
    meta = header((out / "README.md").read_text())
    data_files = {d["split"]: str(out / d["path"]) for d in meta["configs"][0]["data_files"]}
    ds = datasets.load_dataset("parquet", data_files=data_files, cache_dir=str(tmp_path / "hf-cache"))
    assert sum(len(s) for s in ds.values()) == rendered.height
    assert {s["name"]: s["num_examples"] for s in meta["dataset_info"]["splits"]} == {
        k: len(v) for k, v in ds.items()
    }
    row = ds["train"][0]
    src = rendered.filter(pl.col("video_id") == row["video_id"], pl.col("chunk") == row["chunk"]).row(
        0, named=True
    )
    assert row["text"] == src["text"] and row["completion"] == src["completion"]
    assert row["upload_date"] is not None  # provenance joined from videos
