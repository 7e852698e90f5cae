"""The demo's path at a smaller scale: every command in order, through the real CLI entry point.

collect (RSS feed on loopback) → curate (faster-whisper tiny.en, no summaries) → publish --to → train (LoRA,
a few steps) → infer → merge → eval → status. Asserts what each step leaves behind.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml

from demo.feed import write_feed
from yc_cli.app import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "byteblitz"

pytestmark = pytest.mark.slow


@pytest.fixture
def small_channel(tmp_path: Path) -> Path:
    """Three of the bundled clips, as their own sample folder."""
    meta = json.loads((SAMPLE / "channel.json").read_text())
    meta["videos"] = meta["videos"][:3]
    out = tmp_path / "sample"
    out.mkdir()
    (out / "channel.json").write_text(json.dumps(meta))
    for v in meta["videos"]:
        shutil.copy(SAMPLE / f"{v['id']}.opus", out)
    return out


def test_whole_pipeline(
    tmp_path, small_channel, media_server, smollm2_dir, whisper_tiny_dir, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "160")
    ws = tmp_path / "ws"
    yc = ["--workspace", str(ws)]

    feed = write_feed(small_channel, media_server.root, media_server.base_url)
    assert main([*yc, "collect", media_server.url(feed.name), "--workers", "2"]) == 0
    videos = pl.read_delta(str(ws / "videos"))
    assert sorted(videos["video_id"]) == ["bb-docker", "bb-python", "bb-rust"]
    assert set(videos["status"]) == {"ok"}
    assert all((ws / p).is_file() for p in videos["audio_path"])

    assert (
        main(
            [
                *yc,
                "curate",
                "--template",
                "fireship",
                "--persona",
                "Byte Blitz",
                "--persona-description",
                "You make fast explainers.",
                "--model",
                str(whisper_tiny_dir),
                "--summarizer",
                "none",
                "--tokenizer",
                str(smollm2_dir),
                "--validation",
                "0.34",
                "--min-words",
                "5",
            ]
        )
        == 0
    )
    examples = pl.read_delta(str(ws / "examples"))
    assert examples.height == 3
    assert all(t.startswith("<|im_start|>") or "[INST]" in t for t in examples["text"])
    assert set(examples["split"]) <= {"train", "validation"} and "train" in set(examples["split"])
    assert any("ship fast" in c.lower() for c in examples["completion"])  # the sign-off came through ASR

    export = tmp_path / "export"
    assert main([*yc, "publish", "demo/tiny", "--to", str(export)]) == 0
    assert (export / "README.md").is_file() and list((export / "data").glob("train-*.parquet"))

    cfg = yaml.safe_load((ROOT / "examples" / "smollm2-135m-lora.yml").read_text())
    cfg.update(
        base_model=str(smollm2_dir),
        datasets=[{"path": str(ws), "type": "completion", "split": "train"}],
        dataset_prepared_path=str(tmp_path / "prepared"),
        output_dir=str(tmp_path / "out"),
        val_set_size=0.0,
        sequence_len=256,
        max_steps=3,
        evals_per_epoch=None,
        saves_per_epoch=None,
        num_threads=2,
    )
    config = tmp_path / "lora.yml"
    config.write_text(yaml.safe_dump(cfg))
    assert main(["train", str(config)]) == 0
    out = tmp_path / "out"
    assert (out / "adapter_model.safetensors").is_file() and (out / "yc_config.yml").is_file()
    assert (out / "metrics.jsonl").read_text().strip()

    capsys.readouterr()
    assert (
        main(
            [
                "infer",
                str(config),
                "--title",
                "Git in one minute",
                "--summary",
                "x",
                "-n",
                "8",
                "--temperature",
                "0",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip()

    assert main(["merge", str(config)]) == 0
    assert list((out / "merged").glob("*.safetensors")) and (out / "merged" / "config.json").is_file()

    assert main(["eval", str(config), "--limit", "1", "-n", "8", "--no-embeddings", "--json"]) == 0
    report = json.loads((out / "eval" / "report.json").read_text())
    assert report["held_out_rule"] == "split=validation" and report["examples"] == 1
    base, tuned = report["models"]["base"], report["models"]["fine-tuned"]
    assert tuned["perplexity"] < base["perplexity"]  # even 3 steps move it toward the creator's transcripts
    assert (out / "eval" / "chart.png").is_file()

    capsys.readouterr()
    assert main([*yc, "status", "--json"]) == 0
    tables = {t["table"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    assert tables["examples"]["rows"] == 3 and tables["videos"]["rows"] == 3
    assert tables["examples"]["inputs"]  # lineage recorded
