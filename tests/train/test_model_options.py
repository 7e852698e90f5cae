"""Model, LoRA and full fine-tuning options honoured on real (tiny) models: what trains, at what rate, saved how."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tests.support.train_models import PLAIN_CPU, lora_yml, tiny_model, write_rows
from yc_train.config import load_config
from yc_train.errors import TrainError


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory, smollm2_dir) -> Path:
    return tiny_model(tmp_path_factory.mktemp("tiny") / "llama", "llama", smollm2_dir)


def _cfg(tmp_path: Path, model: Path, **overrides):
    data = write_rows(tmp_path / "rows.jsonl", n=8)
    return load_config(lora_yml(tmp_path, model, data, **{**PLAIN_CPU, **overrides}))[0]


def test_unfrozen_parameters_train_only_the_matching_weights(tmp_path, tiny_llama):
    """A partial full fine-tune: layer 1's MLP and rows 0-99 of the embeddings change; nothing else does.

    The same run saves a checkpoint after step 1 (save_first_step) holding weights only (save_only_model),
    and ends on the best evaluated checkpoint (load_best_model_at_end).
    """
    from yc_train.recipe import train

    cfg = _cfg(
        tmp_path,
        tiny_llama,
        adapter=None,
        lora_target_linear=None,
        lora_target_modules=None,
        unfrozen_parameters=["^model.layers.1.mlp.", "^model.embed_tokens.weight$[0:100]"],
        learning_rate=1e-2,
        max_steps=4,
        val_set_size=0.25,
        eval_steps=2,
        load_best_model_at_end=True,
        save_first_step=True,
        save_only_model=True,
    )
    summary = train(cfg)
    out = Path(cfg.output_dir)
    old, new = load_file(tiny_llama / "model.safetensors"), load_file(out / "model.safetensors")
    changed = {k for k in old if not torch.equal(old[k], new[k])}
    assert changed == {k for k in old if k.startswith("model.layers.1.mlp.")} | {"model.embed_tokens.weight"}
    rows = (
        (old["model.embed_tokens.weight"] != new["model.embed_tokens.weight"]).any(dim=1).nonzero().flatten()
    )
    assert len(rows) and int(rows.max()) < 100  # only the unfrozen range of the embedding moved
    first = out / "checkpoint-1"
    assert (first / "model.safetensors").is_file() and not (first / "optimizer.pt").exists()
    state = json.loads((out / "checkpoint-4" / "trainer_state.json").read_text())
    assert state["best_model_checkpoint"] and state["best_metric"] is not None
    assert summary["steps"] == 4


def test_unfrozen_parameters_typo_is_an_error(tmp_path, tiny_llama):
    from yc_train.model_setup import load_model, load_tokenizer

    cfg = _cfg(tmp_path, tiny_llama, adapter=None, lora_target_linear=None, lora_target_modules=None,
               unfrozen_parameters=["^model.layer.1.mlp"])  # fmt: skip
    tok, added = load_tokenizer(cfg)
    with pytest.raises(TrainError, match=r"no parameter matches \^model.layer.1.mlp"):
        load_model(cfg, tok, added, "sdpa", torch.float32)


def test_regex_targets_parameters_and_overrides_reach_the_model(tmp_path, tiny_llama):
    from yc_train.model_setup import load_model, load_tokenizer

    cfg = _cfg(
        tmp_path,
        tiny_llama,
        lora_target_linear=None,
        lora_target_modules=r"model.layers.1.self_attn.(q|v)_proj",
        lora_rank_pattern={"v_proj": 2},
        model_config={"max_position_embeddings": 1234},
        resize_token_embeddings_to_32x=True,
        tokens=["<|zorp|>"],
    )
    tok, added = load_tokenizer(cfg)
    model = load_model(cfg, tok, added, "sdpa", torch.float32)
    adapted = sorted({n.split(".lora_")[0] for n, _ in model.named_parameters() if ".lora_A." in n})
    assert adapted == [
        "base_model.model.model.layers.1.self_attn.q_proj",
        "base_model.model.model.layers.1.self_attn.v_proj",
    ]
    shapes = {n: p.shape for n, p in model.named_parameters() if "lora_A" in n}
    assert shapes["base_model.model.model.layers.1.self_attn.v_proj.lora_A.default.weight"][0] == 2
    assert model.config.max_position_embeddings == 1234
    rows = model.get_input_embeddings().weight.shape[0]
    assert rows % 32 == 0 and rows >= len(tok) > 49152


def test_loraplus_and_embedding_lr_set_the_optimizer_groups(tmp_path, tiny_llama):
    """The trainer's optimizer: LoRA B matrices at lr x loraplus_lr_ratio; full fine-tune embeddings at embedding_lr."""
    from transformers import TrainingArguments

    from yc_train.model_setup import load_model, load_tokenizer
    from yc_train.trainer import trainer_class

    def optimizer_for(cfg):
        tok, added = load_tokenizer(cfg)
        model = load_model(cfg, tok, added, "sdpa", torch.float32)
        args = TrainingArguments(
            output_dir=str(tmp_path / "o"), learning_rate=1e-3, use_cpu=True, report_to="none"
        )
        trainer = trainer_class()(model=model, args=args)
        trainer.yc_cfg = cfg
        return model, trainer.create_optimizer()

    cfg = _cfg(tmp_path, tiny_llama, learning_rate=1e-3, loraplus_lr_ratio=16)
    model, opt = optimizer_for(cfg)
    lr_of = {id(p): g["lr"] for g in opt.param_groups for p in g["params"]}
    named = dict(model.named_parameters())
    b_rates = [lr_of[id(p)] for n, p in named.items() if "lora_B" in n]
    a_rates = [lr_of[id(p)] for n, p in named.items() if "lora_A" in n]
    assert b_rates and b_rates == pytest.approx([1.6e-2] * len(b_rates))
    assert a_rates and a_rates == pytest.approx([1e-3] * len(a_rates))

    full = _cfg(tmp_path, tiny_llama, adapter=None, lora_target_linear=None, lora_target_modules=None,
                learning_rate=1e-3, embedding_lr_scale=0.1)  # fmt: skip
    model, opt = optimizer_for(full)
    lr_of = {id(p): g["lr"] for g in opt.param_groups for p in g["params"]}
    named = dict(model.named_parameters())
    assert lr_of[id(named["model.embed_tokens.weight"])] == pytest.approx(1e-4)
    assert lr_of[id(named["model.layers.0.self_attn.q_proj.weight"])] == pytest.approx(1e-3)


def test_cadence_and_fsdp_version() -> None:
    from yc_train.distributed import fsdp_arguments
    from yc_train.train_settings import cadence, kept_rows

    assert cadence(0, None, 10) == ("no", None)  # evals_per_epoch: 0
    assert cadence(2, None, 10, "epoch") == ("epoch", None)
    assert cadence(2, None, 10) == ("steps", 5)
    assert kept_rows([1, 2, 50, 200], 2, 100) == [1, 2]
    base = {"base_model": "x", "datasets": ["./rows.jsonl"]}
    v2, _ = load_config(None, data={**base, "fsdp_version": 2, "fsdp_config": {"fsdp_offload_params": True}})
    assert fsdp_arguments(v2.fsdp, v2.fsdp_config, v2.fsdp_version) == (
        True,
        {"cpu_offload": True, "version": 2},
    )
    v1, _ = load_config(None, data={**base, "fsdp_config": {"fsdp_state_dict_type": "FULL_STATE_DICT"}})
    assert fsdp_arguments(v1.fsdp, v1.fsdp_config, v1.fsdp_version) == (
        True,
        {"state_dict_type": "FULL_STATE_DICT", "version": 1},  # Axolotl's default
    )


def test_lora_target_parameters_adapt_fused_experts(tmp_path, smollm2_dir):
    """MoE expert LoRA: lora_target_parameters adapts the fused expert weights (and nothing else)."""
    from yc_train.model_setup import load_model, load_tokenizer

    mixtral = tiny_model(tmp_path / "mixtral", "mixtral", smollm2_dir)
    cfg = _cfg(tmp_path, mixtral, lora_target_linear=None, lora_target_modules=None, lora_dropout=0.0,
               lora_target_parameters=["experts.gate_up_proj"])  # fmt: skip
    tok, added = load_tokenizer(cfg)
    model = load_model(cfg, tok, added, "sdpa", torch.float32)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all(".mlp.experts.lora_" in n for n in trainable), trainable


def test_length_rules_raise_drop_and_group(tmp_path, tiny_llama):
    """excess_length_strategy: raise stops on rows over sequence_len; min_sample_len drops short rows;
    group_by_length trains on the rows that are left."""
    from yc_train.recipe import train

    rows = [
        {"prompt": f"Q{i}: ", "completion": " ".join(["go"] * n)}
        for i, n in enumerate([1, 1, 12, 14, 16, 18, 20, 80])  # two tiny rows, one row far over 48 tokens
    ]
    data = tmp_path / "rows.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    common = dict(special_tokens=None, loss_watchdog_threshold=None, bf16=False, gradient_checkpointing=False,
                  flash_attention=None, optimizer="adamw_torch", evals_per_epoch=None, saves_per_epoch=None,
                  val_set_size=0, warmup_steps=0, sequence_len=48, sample_packing=False, max_steps=2)  # fmt: skip
    cfg, _ = load_config(lora_yml(tmp_path, tiny_llama, data, **common, excess_length_strategy="raise"))
    with pytest.raises(TrainError, match="1 rows are longer than sequence_len 48"):
        train(cfg)
    cfg, _ = load_config(
        lora_yml(tmp_path, tiny_llama, data, **common, min_sample_len=8, group_by_length=True)
    )
    summary = train(cfg)
    assert summary["train_samples"] == 5  # 8 rows - 1 over sequence_len - 2 under min_sample_len
    assert any("shorter than min_sample_len 8" in w for w in summary["warnings"]) and summary["steps"] == 2
