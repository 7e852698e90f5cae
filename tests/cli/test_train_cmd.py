"""``yc train`` (run / validate / schema) and ``yc preprocess`` through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from yc_cli.app import main
from yc_train.config import load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))

BAD = """\
base_model: m
adapter: qlora
lora_target_linear: true
datasets:
  - type: completion
micro_batch_size: two
warmup_steps: 10
warmup_ratio: 0.1
output_dir: {out}
"""


def _bad(tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "run"
    path = tmp_path / "bad.yml"
    path.write_text(BAD.format(out=out))
    return path, out


BAD_KEYS = ("datasets[0].path", "micro_batch_size", "warmup_ratio", "load_in_4bit")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_validate_accepts_every_example(example: Path, capsys) -> None:
    assert main(["train", "validate", str(example), "--strict"]) == 0
    captured = capsys.readouterr()
    assert "is a valid config" in captured.err
    # the only warning allowed: the seed's lora.yml sets two Axolotl keys that change nothing in yc
    warnings = captured.err.replace("\n", " ").split("warning:")[1:]
    assert all(
        w.strip()
        .removeprefix("config:")
        .strip()
        .startswith("no effect in yc (accepted for Axolotl compatibility)")
        for w in warnings
    )
    assert "base_model" in captured.out


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "validate", "{cfg}"],
        ["train", "{cfg}"],  # routed to `run`
        ["train", "run", "{cfg}"],
        ["train", "--lr", "1e-4", "{cfg}"],  # an option first still routes to `run`
        ["preprocess", "{cfg}"],
    ],
    ids=["validate", "train-CONFIG", "train-run-CONFIG", "train-option-first", "preprocess"],
)
def test_every_problem_is_one_row_and_nothing_runs(argv: list[str], tmp_path: Path, capsys) -> None:
    cfg, out = _bad(tmp_path)
    assert main([a.format(cfg=cfg) for a in argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("yc: error: 4 problem(s)") and len(err.splitlines()) == 2, err
    for key in BAD_KEYS:
        assert f"{key}: " in err, key
    assert not out.exists()  # no resolved config, no training on an invalid config


def test_unknown_keys_warn_and_strict_fails(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "cfg.yml"
    cfg.write_text("base_model: m\ndatasets: [d]\nlearnig_rate: 1e-4\n")
    assert main(["train", "validate", str(cfg)]) == 0
    err = capsys.readouterr().err
    note = "warning: config: learnig_rate: unknown key, ignored (did you mean 'learning_rate'?)"
    assert note in err and err.count("learnig_rate") == 1, err  # once, not logged and printed
    assert main(["train", "validate", str(cfg), "--strict"]) == 1
    assert "learnig_rate: unknown key" in capsys.readouterr().err


def test_validate_show_prints_the_resolved_yaml(tmp_path: Path, capsys) -> None:
    example = ROOT / "examples" / "smollm2-135m-lora.yml"
    assert main(["train", "validate", str(example), "--show", "--set", "base_model=/models/smol"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["base_model"] == "/models/smol" and shown["adapter"] == "lora"
    expected, _ = load_config(example, overrides={"base_model": "/models/smol"})
    assert load_config(None, data=shown)[0] == expected


def test_schema_prints_json_schema(tmp_path: Path, capsys) -> None:
    assert main(["train", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "learning_rate" in schema["properties"] and schema["properties"]["learning_rate"]["description"]
    target = tmp_path / "s" / "yc.schema.json"
    assert main(["train", "schema", "--out", str(target)]) == 0
    assert json.loads(target.read_text()) == schema


def test_help_teaches_with_examples(capsys) -> None:
    assert main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    for word in ("validate", "schema", "run", "Examples", "--learning-rate 1e-4", "--set"):
        assert word in text, word
    assert main(["train", "run", "--help"]) == 0
    text = capsys.readouterr().out
    for word in ("--learning-rate", "--set", "--strict", "--num-processes", "--max-steps"):
        assert word in text, word


def test_command_module_imports_stay_light() -> None:
    code = (
        "import sys\nimport yc_cli.commands.train\n"
        "print([m for m in ('pydantic', 'yaml', 'torch', 'transformers', 'polars') if m in sys.modules])"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


def test_preprocess_tokenizes_and_packs(smollm2_dir: Path, tmp_path: Path, capsys) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        "\n".join(json.dumps({"text": f"Video {i}: Rust in 100 seconds. " * (i + 1)}) for i in range(12))
        + "\n"
    )
    cfg = tmp_path / "cfg.yml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "base_model": str(smollm2_dir),
                "datasets": [{"path": str(rows), "type": "completion"}],
                "dataset_prepared_path": str(tmp_path / "prepared"),
                "sequence_len": 256,
                "sample_packing": True,
                "output_dir": str(tmp_path / "run"),
            }
        )
    )
    assert main(["preprocess", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "packing_efficiency" in out and "from_cache" in out
    assert any((tmp_path / "prepared").iterdir())


@pytest.mark.slow
def test_train_config_runs_the_recipe_end_to_end(smollm2_dir: Path, tmp_path: Path, capsys) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        "\n".join(
            json.dumps({"prompt": f"Title: video {i}\n", "completion": "Rust is fast and memory safe. " * 3})
            for i in range(8)
        )
        + "\n"
    )
    cfg = tmp_path / "lora.yml"
    out = tmp_path / "run"
    cfg.write_text(
        yaml.safe_dump(
            {
                "base_model": "placeholder/overridden-on-the-command-line",
                "adapter": "lora",
                "lora_r": 4,
                "lora_alpha": 8,
                "lora_target_modules": ["q_proj", "v_proj"],
                "datasets": [{"path": str(rows), "type": "completion"}],
                "sequence_len": 128,
                "micro_batch_size": 2,
                "num_epochs": 1,
                "learning_rate": "1e-3",
                "bf16": False,
                "num_threads": 1,
                "output_dir": str(out),
            }
        )
    )
    argv = ["train", str(cfg), "--set", f"base_model={smollm2_dir}", "--max-steps", "2", "--lr", "2e-3"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "last_loss" in printed
    resolved, _ = load_config(out / "yc_config.yml")
    assert (
        resolved.base_model == str(smollm2_dir) and resolved.max_steps == 2 and resolved.learning_rate == 2e-3
    )
    assert (out / "adapter_config.json").is_file()
