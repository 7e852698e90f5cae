"""resume_from_checkpoint continues exactly: 10 steps straight == 5 steps, then resume to 10."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file

from tests.support.train_models import lora_yml, tiny_model, write_rows
from yc_train.config import load_config
from yc_train.recipe import train

# fp32 on one thread: the same ops in the same order; allow only float noise
TOLERANCE = 1e-6


def test_resume_gives_the_same_adapter(tmp_path, smollm2_dir):
    model = tiny_model(tmp_path / "llama", "llama", smollm2_dir)
    data = write_rows(tmp_path / "rows.jsonl", n=16, words=10)
    common = {"special_tokens": None, "loss_watchdog_threshold": None, "max_steps": 10, "num_epochs": 10, "save_steps": 5, "saves_per_epoch": None,
              "evals_per_epoch": None, "val_set_size": 0, "bf16": False, "flash_attention": None,
              "optimizer": "adamw_torch", "gradient_checkpointing": False, "learning_rate": 2e-3, "warmup_steps": 2,
              "sample_packing": False, "micro_batch_size": 2, "lora_dropout": 0.1}  # fmt: skip
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cfg_a, _ = load_config(lora_yml(tmp_path / "a", model, data, **common))
    train(cfg_a)
    out_a = Path(cfg_a.output_dir)
    # run B was "killed" after step 5: it has only checkpoint-5, then resumes
    cfg_b, _ = load_config(lora_yml(tmp_path / "b", model, data, **common))
    out_b = Path(cfg_b.output_dir)
    out_b.mkdir(parents=True)
    shutil.copytree(out_a / "checkpoint-5", out_b / "checkpoint-5")
    cfg_b.resume_from_checkpoint = str(out_b / "checkpoint-5")
    summary = train(cfg_b)
    assert summary["steps"] == 10
    a, b = load_file(out_a / "adapter_model.safetensors"), load_file(out_b / "adapter_model.safetensors")
    five = load_file(out_a / "checkpoint-5" / "adapter_model.safetensors")
    assert a.keys() == b.keys()
    assert max((a[k] - b[k]).abs().max().item() for k in a) <= TOLERANCE
    assert max((a[k] - five[k]).abs().max().item() for k in a) > 1e-4  # steps 6-10 did change the adapter
    assert not torch.equal(a[next(k for k in a if "lora_B" in k)], torch.zeros(1))
