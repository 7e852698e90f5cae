"""Tiny random models (built from configs, no download): packing stays exact and LoRA all-linear trains."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from tests.support.train_models import ARCH_CONFIGS, lora_yml, tiny_model, write_rows
from yc_train.config import load_config
from yc_train.recipe import train


@pytest.mark.slow
@pytest.mark.parametrize("arch", sorted(ARCH_CONFIGS))
def test_lora_all_linear_trains_two_steps_with_exact_packing(tmp_path, smollm2_dir, arch):
    from transformers import AutoModelForCausalLM

    from yc_train.attention import VARLEN_MODEL_TYPES, register
    from yc_train.loss import install_loss_forward
    from yc_train.packing import FlatCollator, Samples

    torch.set_num_threads(1)
    folder = tiny_model(tmp_path / arch, arch, smollm2_dir)
    model_type = ARCH_CONFIGS[arch]["model_type"]
    attn = register() if model_type in VARLEN_MODEL_TYPES else "sdpa"
    model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation=attn, dtype=torch.float32).eval()
    model.config.use_cache = False
    install_loss_forward(model)
    ids = [list(range(100, 111)), list(range(300, 307))]
    batch = FlatCollator(Samples(ids, ids), with_cu_seqlens=attn != "sdpa")([{"group": [0, 1]}])
    extra = {
        k: batch[k] for k in ("cu_seq_lens_q", "cu_seq_lens_k", "max_length_q", "max_length_k") if k in batch
    }
    with torch.no_grad():
        packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], **extra).logits[0]
        second = model(input_ids=torch.tensor([ids[1]])).logits[0]
    assert (packed[11:] - second).abs().max().item() < 1e-4, f"{arch}: packed samples see each other"

    data = write_rows(tmp_path / "rows.jsonl", n=4)
    cfg, _ = load_config(
        lora_yml(
            tmp_path,
            folder,
            data,
            special_tokens=None,
            max_steps=2,
            loss_watchdog_threshold=None,
            bf16=False,
            flash_attention=None,
            optimizer="adamw_torch",
            gradient_checkpointing=False,
            evals_per_epoch=None,
            saves_per_epoch=None,
            val_set_size=0,
            learning_rate=1e-3,
            lora_target_modules=None,
            warmup_steps=0,
            lora_dropout=0.0 if arch == "mixtral" else 0.05,
        )
    )
    summary = train(cfg)
    assert summary["steps"] == 2 and all(F.softplus(torch.tensor(summary["last_loss"])) > 0 for _ in [0])
    assert (Path(cfg.output_dir) / "adapter_model.safetensors").is_file()
