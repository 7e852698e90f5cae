"""Two CPU processes (gloo DDP) through accelerate: both ranks train, rank 0 saves the adapter."""

from __future__ import annotations

import json
import socket

import pytest

from tests.support.train_models import lora_yml, tiny_model, write_rows
from yc_train.launch import launch, launch_command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_launch_command_uses_multi_gpu_for_gloo():
    cmd = launch_command("x.yml", {"max_steps": 2}, 2)
    assert "--multi_gpu" in cmd and "--cpu" not in cmd and cmd[cmd.index("--num_processes") + 1] == "2"


@pytest.mark.slow
def test_two_process_ddp_trains(tmp_path, smollm2_dir):
    model = tiny_model(tmp_path / "llama", "llama", smollm2_dir)
    data = write_rows(tmp_path / "rows.jsonl", n=8)
    cfg = lora_yml(
        tmp_path,
        model,
        data,
        special_tokens=None,
        bf16=False,
        loss_watchdog_threshold=None,
        flash_attention=None,
        optimizer="adamw_torch",
        gradient_checkpointing=False,
        evals_per_epoch=None,
        saves_per_epoch=None,
        val_set_size=0,
        warmup_steps=0,
    )
    rc = launch(cfg, {"max_steps": 2, "learning_rate": 1e-3}, 2, main_process_port=_free_port())
    assert rc == 0
    out = tmp_path / "lora-out"
    summary = json.loads((out / "train_summary.json").read_text())
    assert summary["steps"] == 2 and summary["world_size"] == 2
    assert (out / "adapter_model.safetensors").is_file()
