"""End-to-end training runs: the user's lora.yml shape on SmolLM2, full fine-tune and QLoRA on tiny models."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tests.support.train_models import PLAIN_CPU, lora_yml, tiny_model, write_rows
from yc_train.config import load_config
from yc_train.errors import TrainError
from yc_train.recipe import train


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
@pytest.mark.timeout(1500)  # ~1-2 min on an idle 2-core machine; 10 min seen with 7 jobs sharing it
def test_lora_yml_on_smollm2_loss_falls_and_outputs(tmp_path, smollm2_dir):
    weights = next(smollm2_dir.glob("*.safetensors"))
    before = _sha(weights)
    data = write_rows(tmp_path / "rows.jsonl", n=8, words=10)
    cfg, _ = load_config(
        lora_yml(
            tmp_path,
            smollm2_dir,
            data,
            micro_batch_size=1,
            sequence_len=96,
            max_steps=30,
            num_epochs=30,
            learning_rate=1e-3,
            warmup_steps=3,
            evals_per_epoch=1,
            saves_per_epoch=None,
        )
    )
    summary = train(cfg)
    out = Path(cfg.output_dir)
    warnings = " ".join(summary["warnings"])
    assert "flash_attention_2 unavailable" in warnings and "adamw_bnb_8bit" in warnings
    assert summary["steps"] == 30
    assert summary["precision"] == "float32"  # bf16: auto is fp32 on a CPU (slower there, see model_setup)
    losses = [
        r["loss"] for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines()) if "loss" in r
    ]
    assert len(losses) == 30
    assert sum(losses[-5:]) / 5 < 0.6 * sum(losses[:5]) / 5, losses
    for name in (
        "adapter_model.safetensors",
        "adapter_config.json",
        "tokenizer.json",
        "yc_config.yml",
        "metrics.jsonl",
        "loss.png",
    ):
        assert (out / name).is_file(), name
    # adapter holds LoRA weights plus the resized embeddings (special tokens <s> </s> <unk> were added)
    keys = load_file(out / "adapter_model.safetensors").keys()
    assert all("lora_" in k or "embed_tokens" in k or "lm_head" in k for k in keys)
    assert any("embed_tokens" in k for k in keys)
    assert _sha(weights) == before  # base weights on disk unchanged
    assert summary["packing_efficiency"] > 0.5 and summary["eval_loss"] is not None


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory, smollm2_dir) -> Path:
    return tiny_model(tmp_path_factory.mktemp("tiny") / "llama", "llama", smollm2_dir)


def test_full_finetune_changes_weights_and_saves_model(tmp_path, tiny_llama):
    data = write_rows(tmp_path / "rows.jsonl", n=8)
    cfg, _ = load_config(
        lora_yml(
            tmp_path,
            tiny_llama,
            data,
            **PLAIN_CPU,
            adapter=None,
            max_steps=8,
            learning_rate=3e-3,
            use_tensorboard=True,
            wandb_project="yc-test",
            wandb_mode="offline",
        )
    )
    summary = train(cfg)
    out = Path(cfg.output_dir)
    assert (out / "model.safetensors").is_file() and not (out / "adapter_config.json").exists()
    assert list(out.glob("runs/**/events.out.tfevents.*"))  # tensorboard
    assert list(out.glob("wandb/offline-run-*"))  # wandb, offline
    old, new = load_file(tiny_llama / "model.safetensors"), load_file(out / "model.safetensors")
    changed = [k for k in old if k in new and not torch.equal(old[k], new[k])]
    assert "model.layers.0.self_attn.q_proj.weight" in changed
    assert summary["last_loss"] < summary["first_loss"]
    assert json.loads((out / "config.json").read_text())["model_type"] == "llama"
    card = (out / "README.md").read_text()  # yc's card, not peft's / transformers' empty template
    assert card.startswith("---\n") and "## Training" in card and 'pipeline("text-generation"' in card
    assert "local_files_only" not in (out / "tokenizer_config.json").read_text()


def test_qlora_gradients_survive_an_eval_pass(tmp_path, tiny_llama):
    """bitsandbytes repacks 4-bit weights in no-grad passes on CPU; gradients must still reach layer 0."""
    from yc_train.model_setup import load_model, load_tokenizer

    data = write_rows(tmp_path / "rows.jsonl", n=4)
    path = lora_yml(
        tmp_path,
        tiny_llama,
        data,
        adapter="qlora",
        load_in_4bit=True,
        special_tokens=None,
        loss_watchdog_threshold=None,
        max_steps=3,
        bf16=False,
        gradient_checkpointing=False,
        flash_attention=None,
        optimizer="adamw_torch",
        evals_per_epoch=1,
        saves_per_epoch=None,
        val_set_size=0.25,
        learning_rate=1e-3,
    )
    cfg, _ = load_config(path)
    tok, added = load_tokenizer(cfg)
    try:
        model = load_model(cfg, tok, added, "sdpa", torch.float32)
    except TrainError as err:
        if "cannot run on this device" in str(err):
            pytest.skip(f"bitsandbytes 4-bit not usable here: {err}")
        raise
    x = torch.randint(10, 1000, (1, 16))
    model.eval()
    with torch.no_grad():
        model(input_ids=x)
    model.train()
    model(input_ids=x, labels=x).loss.backward()
    grads = [p.grad for n, p in model.named_parameters() if "layers.0." in n and "lora_B" in n]
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)
    summary = train(cfg)  # the whole path: 4-bit load, eval between steps, adapter saved
    assert summary["steps"] == 3 and (Path(cfg.output_dir) / "adapter_model.safetensors").is_file()


def test_fp16_without_gpu_fails_clearly(tmp_path, tiny_llama):
    if torch.cuda.is_available():
        pytest.skip("has a GPU")
    data = write_rows(tmp_path / "rows.jsonl", n=2)
    cfg, _ = load_config(lora_yml(tmp_path, tiny_llama, data, fp16=True, bf16=False, special_tokens=None))
    with pytest.raises(TrainError, match="fp16 needs a CUDA GPU"):
        train(cfg)
