"""Tiny random causal LMs built from configs (no download) sharing the SmolLM2 tokenizer, and config writers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

H, LAYERS, HEADS, VOCAB = 64, 2, 4, 49152

ARCH_CONFIGS: dict[str, dict[str, Any]] = {
    "llama": {
        "model_type": "llama",
        "hidden_size": H,
        "intermediate_size": 128,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": 2,
    },
    "mistral": {
        "model_type": "mistral",
        "hidden_size": H,
        "intermediate_size": 128,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": 2,
        "sliding_window": None,
    },
    "mixtral": {
        "model_type": "mixtral",
        "hidden_size": H,
        "intermediate_size": 64,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": 2,
        "num_local_experts": 2,
        "num_experts_per_tok": 1,
        "sliding_window": None,
    },
    "gpt_neox": {
        "model_type": "gpt_neox",
        "hidden_size": H,
        "intermediate_size": 128,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
    },
    "gpt2": {"model_type": "gpt2", "n_embd": H, "n_layer": LAYERS, "n_head": HEADS, "n_positions": 512},
    "falcon": {
        "model_type": "falcon",
        "hidden_size": H,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "new_decoder_architecture": False,
        "multi_query": True,
    },
    "gptj": {
        "model_type": "gptj",
        "n_embd": H,
        "n_layer": LAYERS,
        "n_head": HEADS,
        "rotary_dim": 8,
        "n_positions": 512,
    },
    "phi": {
        "model_type": "phi",
        "hidden_size": H,
        "intermediate_size": 128,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
    },
    "qwen2": {
        "model_type": "qwen2",
        "hidden_size": H,
        "intermediate_size": 128,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": 2,
    },
    "qwen3": {
        "model_type": "qwen3",
        "hidden_size": H,
        "intermediate_size": 128,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": 2,
        "head_dim": 16,
    },
    "gemma": {
        "model_type": "gemma",
        "hidden_size": H,
        "intermediate_size": 128,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": 1,
        "head_dim": 16,
    },
}


def tiny_model(folder: Path, arch: str, tokenizer_dir: Path, seed: int = 0) -> Path:
    """Save a ~3M-parameter random ``arch`` model plus the SmolLM2 tokenizer into ``folder``; return it."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder = Path(folder)
    if (folder / "config.json").exists():
        return folder
    spec = dict(ARCH_CONFIGS[arch])
    model_type = spec.pop("model_type")
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    cfg = AutoConfig.for_model(
        model_type,
        vocab_size=VOCAB,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        **spec,
    )
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def write_rows(path: Path, n: int = 12, words: int = 12) -> Path:
    """A small jsonl of yc-style rows (prompt, completion, text) that a model can memorise."""
    import json

    topics = ["rust", "python", "go", "zig", "java", "lua"]
    rows = []
    for i in range(n):
        t = topics[i % len(topics)]
        prompt = f"<s>[INST] Title: {t} in 100 seconds [/INST]\n"
        completion = (
            f"Generate the video: {t} " + " ".join([t, "is", "fast", "and", "fun"] * (words // 5)) + "</s>"
        )
        rows.append(
            {"prompt": prompt, "completion": completion, "text": prompt + completion, "video_id": f"v{i}"}
        )
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


# lora.yml's keys set for a plain, quick CPU run: fp32 AdamW, no eval/save cadence, no warm-up, no watchdog
PLAIN_CPU: dict[str, Any] = {
    "special_tokens": None,
    "loss_watchdog_threshold": None,
    "warmup_steps": 0,
    "bf16": False,
    "gradient_checkpointing": False,
    "flash_attention": None,
    "optimizer": "adamw_torch",
    "evals_per_epoch": None,
    "saves_per_epoch": None,
    "val_set_size": 0,
}


def lora_yml(tmp: Path, base_model: Path, data: Path, **overrides: Any) -> Path:
    """The user's lora.yml shape (see reference/seed.md) pointed at local files, small and CPU-friendly."""
    cfg: dict[str, Any] = {
        "base_model": str(base_model),
        "load_in_8bit": False,
        "load_in_4bit": False,
        "strict": False,
        "datasets": [{"path": str(data), "type": "completion"}],
        "dataset_prepared_path": str(tmp / "last_run_prepared"),
        "val_set_size": 0.1,
        "output_dir": str(tmp / "lora-out"),
        "adapter": "lora",
        "lora_model_dir": None,
        "sequence_len": 128,
        "sample_packing": True,
        "pad_to_sequence_len": True,
        "lora_r": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.05,
        "lora_target_linear": True,
        "lora_fan_in_fan_out": None,
        "lora_target_modules": ["gate_proj", "down_proj", "up_proj", "q_proj", "v_proj", "k_proj", "o_proj"],
        "wandb_project": None,
        "gradient_accumulation_steps": 1,
        "micro_batch_size": 2,
        "num_epochs": 5,
        "optimizer": "adamw_bnb_8bit",
        "lr_scheduler": "cosine",
        "learning_rate": 0.0002,
        "train_on_inputs": False,
        "group_by_length": False,
        "bf16": "auto",
        "fp16": None,
        "tf32": False,
        "gradient_checkpointing": True,
        "early_stopping_patience": None,
        "resume_from_checkpoint": None,
        "logging_steps": 1,
        "xformers_attention": None,
        "flash_attention": True,
        "loss_watchdog_threshold": 5.0,
        "loss_watchdog_patience": 3,
        "warmup_steps": 10,
        "evals_per_epoch": 4,
        "saves_per_epoch": 4,
        "weight_decay": 0.0,
        "deepspeed": None,
        "fsdp": None,
        "fsdp_config": None,
        "special_tokens": {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
        "num_threads": 1,
    }
    cfg.update(overrides)
    path = tmp / "lora.yml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path
