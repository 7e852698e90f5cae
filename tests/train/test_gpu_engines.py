"""Sharded engines: the shipped DeepSpeed files, Axolotl's FSDP keys -> the Trainer's FSDP2 plugin, and (on a
GPU) FSDP2 / ZeRO-2 / ZeRO-3 training with world size 1 through torchrun."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.gpu import assets
from tests.support.train_models import lora_yml, write_rows
from yc_train.config import load_config
from yc_train.distributed import deepspeed_problems, engine_arguments, fsdp_arguments, load_deepspeed
from yc_train.errors import TrainError

ROOT = Path(__file__).resolve().parents[2]
DS_FILES = sorted((ROOT / "examples" / "deepspeed").glob("*.json"))


def test_zero2_and_zero3_files_are_shipped():
    assert {p.name for p in DS_FILES} >= {"zero2.json", "zero3.json"}


@pytest.mark.parametrize("path", DS_FILES, ids=lambda p: p.name)
def test_shipped_deepspeed_files_are_valid(path):
    from accelerate.utils.deepspeed import HfDeepSpeedConfig  # the object accelerate builds from the file

    config = json.loads(path.read_text())
    assert deepspeed_problems(config) == []
    ds = HfDeepSpeedConfig(str(path))
    stage = int(path.stem.removeprefix("zero")[0])
    assert ds.get_value("zero_optimization.stage") == stage
    assert ds.is_zero3() == (stage == 3) and ds.is_zero2() == (stage == 2)
    assert ds.is_offload() == ("offload" in path.stem)
    # the Trainer fills these from yc's config; a number here would fight micro_batch_size and friends
    for key in ("train_micro_batch_size_per_gpu", "gradient_accumulation_steps", "train_batch_size"):
        assert config[key] == "auto"
    assert load_deepspeed(str(path)) == config


def test_deepspeed_mistakes_are_named_by_key_path(tmp_path):
    bad = {
        "zero_optimisation": {"stage": 3},
        "train_micro_batch_size_per_gpu": 0,
        "bf16": {"enabled": True},
        "fp16": {"enabled": True},
    }
    assert deepspeed_problems(bad) == [
        "zero_optimisation: not a DeepSpeed key",
        "train_micro_batch_size_per_gpu: must be 'auto' or a positive integer, not 0",
        "bf16/fp16: enable one precision, not both",
    ]
    stage2 = {
        "zero_optimization": {
            "stage": 2,
            "stage3_max_live_parameters": 1,
            "offload_optimizer": {"device": "gpu"},
        }
    }
    assert deepspeed_problems(stage2) == [
        "zero_optimization.stage3_max_live_parameters: only applies to stage 3",
        "zero_optimization.offload_optimizer.device: must be one of cpu, nvme, none",
    ]
    path = tmp_path / "ds.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(TrainError, match=r"ds\.json: zero_optimisation: not a DeepSpeed key") as err:
        load_deepspeed(str(path))
    assert "examples/deepspeed" in err.value.hint


def test_axolotl_fsdp2_keys_become_the_trainers_fsdp2_plugin(tmp_path):
    from transformers import TrainingArguments

    fsdp, conf = fsdp_arguments(
        None,
        {
            "fsdp_offload_params": True,
            "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "fsdp_transformer_layer_cls_to_wrap": "LlamaDecoderLayer",
            "state_dict_type": "FULL_STATE_DICT",
            "reshard_after_forward": True,
        },
        2,
    )
    plugin = TrainingArguments(
        output_dir=str(tmp_path), fsdp=fsdp, fsdp_config=conf, use_cpu=True
    ).fsdp_plugin_args
    assert plugin["fsdp_version"] == 2 and plugin["cpu_offload"] is True
    assert plugin["transformer_cls_names_to_wrap"] == "LlamaDecoderLayer"
    assert plugin["reshard_after_forward"] is True
    assert fsdp_arguments(None, None, None) == ("", None)
    assert fsdp_arguments(None, {"fsdp_version": 1}, None) == (True, {"version": 1})
    assert fsdp_arguments(["full_shard", "auto_wrap"], None, None) == ("full_shard auto_wrap", {"version": 2})


def test_engines_refuse_what_this_machine_cannot_run(tmp_path):
    cfg, _ = load_config(
        lora_yml(tmp_path, tmp_path, write_rows(tmp_path / "rows.jsonl"), deepspeed=str(DS_FILES[0]))
    )
    if importlib.util.find_spec("deepspeed") is None:
        with pytest.raises(TrainError, match="deepspeed package is not installed"):
            engine_arguments(cfg, cuda=True)
    fsdp_cfg, _ = load_config(
        lora_yml(tmp_path, tmp_path, tmp_path / "rows.jsonl", fsdp_config={"version": 2})
    )
    with pytest.raises(TrainError, match="FSDP needs CUDA GPUs"):
        engine_arguments(fsdp_cfg, cuda=False)


# --- on a GPU: world size 1 through torchrun (the same code path as N GPUs) ---------------------------


def _torchrun_train(tmp_path: Path, **engine) -> dict:
    model = assets.model_folder(tmp_path / "llama", "tiny", assets.word_tokenizer(tmp_path / "tok"))
    assets.write_rows(tmp_path / "rows.jsonl", n=32, lo=16, hi=200)
    path = lora_yml(
        tmp_path,
        model,
        tmp_path / "rows.jsonl",
        train_on_inputs=True,
        adapter=None,
        special_tokens=None,
        max_steps=6,
        learning_rate=3e-3,
        warmup_steps=0,
        bf16=True,
        optimizer="adamw_torch",
        flash_attention=None,
        evals_per_epoch=None,
        saves_per_epoch=None,
        val_set_size=0,
        loss_watchdog_threshold=None,
        **engine,
    )
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "1",
        "-m",
        "yc_train.launch",
        str(path),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "lora-out"  # lora_yml's output_dir
    assert (out / "model.safetensors").is_file() or list(out.glob("model-*.safetensors"))
    return json.loads((out / "train_summary.json").read_text())


@pytest.mark.gpu
def test_fsdp2_trains_on_one_gpu(tmp_path):
    summary = _torchrun_train(
        tmp_path,
        fsdp_config={
            "fsdp_version": 2,
            "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "transformer_layer_cls_to_wrap": "LlamaDecoderLayer",
        },
    )
    assert summary["steps"] == 6 and summary["last_loss"] < summary["first_loss"]


@pytest.mark.gpu
@pytest.mark.parametrize("name", ["zero2.json", "zero3.json"])
def test_deepspeed_zero_trains_on_one_gpu(tmp_path, name):
    if importlib.util.find_spec("deepspeed") is None:
        pytest.skip("deepspeed is not installed")
    summary = _torchrun_train(tmp_path, deepspeed=str(ROOT / "examples" / "deepspeed" / name))
    assert summary["steps"] == 6 and summary["last_loss"] < summary["first_loss"]
