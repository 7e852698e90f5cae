"""yc merge: merged logits equal base+adapter logits; shards, new tokens and side files survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.creator import trained_run

TEXT = "Zorp zorp, fellow builders! Today: Go. It is a simple compiled language. Ship it."


def _logits(model, tokenizer, text: str):
    import torch

    ids = tokenizer(text, return_tensors="pt").input_ids
    with torch.inference_mode():
        return model(input_ids=ids).logits


@pytest.mark.slow
def test_cli_merge_equals_base_plus_adapter(
    tmp_path_factory: pytest.TempPathFactory, smollm2_dir: Path
) -> None:
    """SmolLM2-135M + a trained LoRA (B != 0): merged == base+adapter within 1e-4 (fp64 eval), 2e-4 (fp32)."""
    import torch
    from peft import PeftModel
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from yc_cli.app import main

    torch.set_num_threads(2)
    cfg_file, out = trained_run(tmp_path_factory.getbasetemp() / "creator-run", smollm2_dir)
    with safe_open(str(out / "adapter_model.safetensors"), "pt") as f:
        b = [f.get_tensor(k) for k in f.keys() if "lora_B" in k]  # noqa: SIM118
    assert b and max(float(t.abs().max()) for t in b) > 0  # a real, non-trivial adapter

    assert main(["merge", str(cfg_file)]) == 0
    merged_dir = out / "merged"
    for name in (
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "yc_template.json",
    ):
        assert (merged_dir / name).is_file(), name
    assert json.loads((merged_dir / "config.json").read_text())["dtype"] == "float32"

    tok = AutoTokenizer.from_pretrained(str(out))

    def both(dtype):
        base = AutoModelForCausalLM.from_pretrained(smollm2_dir, dtype=dtype)
        ref = _logits(PeftModel.from_pretrained(base, str(out)).to(dtype).eval(), tok, TEXT)
        # the merged fp32 checkpoint, run at `dtype` (fp64 upcasts its fp32 weights exactly)
        merged = AutoModelForCausalLM.from_pretrained(str(merged_dir), dtype=dtype).eval()
        return float((_logits(merged, tok, TEXT) - ref).abs().max()), ref

    # The merged weights compute base+adapter: evaluated exactly (fp64 arithmetic on the fp32 checkpoint)
    # the only error left is the rounding of W + s*B@A to fp32 (measured ~1e-5).
    exact_diff, ref = both(torch.float64)
    assert exact_diff <= 1e-4, exact_diff
    # In fp32 arithmetic both forwards add their own rounding (~5e-5 each on these logits; peft's own
    # merge_and_unload measured 9e-5..4e-4), so the fp32-vs-fp32 bound carries that floor.
    fp32_diff, _ = both(torch.float32)
    assert fp32_diff <= 2e-4, fp32_diff
    base = AutoModelForCausalLM.from_pretrained(smollm2_dir, dtype=torch.float64).eval()
    assert float((_logits(base, tok, TEXT) - ref).abs().max()) > 1e-2  # the adapter does change the model


def test_sharded_merge_with_new_tokens(tmp_path: Path, smollm2_dir: Path) -> None:
    """A base saved in several shards, an adapter that added a special token (resized, saved embeddings):
    the merge writes the same shards, a consistent index and vocab size, and exact logits."""
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig

    from yc_train.merge import merge_adapter

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False)  # fmt: skip
    base_dir, adapter_dir = tmp_path / "base", tmp_path / "adapter"
    AutoModelForCausalLM.from_config(cfg).save_pretrained(base_dir, max_shard_size="4MB")
    tok.save_pretrained(base_dir)
    n_shards = len(list(base_dir.glob("model-*.safetensors")))
    assert n_shards >= 2

    tok.add_special_tokens({"additional_special_tokens": ["<|creator|>"]})
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    model.resize_token_embeddings(len(tok))
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear",
                                                  modules_to_save=["embed_tokens", "lm_head"]))  # fmt: skip
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name or "modules_to_save" in name:
                p.add_(torch.randn_like(p) * 0.05)
    peft_model.save_pretrained(adapter_dir)
    tok.save_pretrained(adapter_dir)

    seen: list[tuple[str, int, int]] = []
    result = merge_adapter(base_dir, adapter_dir, tmp_path / "merged", on_shard=lambda *a: seen.append(a))
    assert len(result.shards) == n_shards == len(seen) and seen[-1][1:] == (n_shards, n_shards)
    assert result.merged_modules == 2 * 7 and result.replaced_tensors == 2
    index = json.loads((tmp_path / "merged" / "model.safetensors.index.json").read_text())
    assert set(index["weight_map"].values()) == set(result.shards)
    assert json.loads((tmp_path / "merged" / "config.json").read_text())["vocab_size"] == len(tok)

    text = "<|creator|> hello builders"
    reloaded = PeftModel.from_pretrained(_resized(base_dir, len(tok)), adapter_dir).eval()
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged", dtype=torch.float32).eval()
    assert float((_logits(merged, tok, text) - _logits(reloaded, tok, text)).abs().max()) <= 1e-5


def _resized(base_dir: Path, vocab: int):
    import torch
    from transformers import AutoModelForCausalLM

    m = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    m.resize_token_embeddings(vocab)
    return m


def test_merge_refuses_what_it_cannot_express(tmp_path: Path) -> None:
    from yc_train.errors import TrainError
    from yc_train.merge import merge_adapter

    (tmp_path / "adapter").mkdir()
    with pytest.raises(TrainError, match="no LoRA adapter"):
        merge_adapter(tmp_path, tmp_path / "adapter", tmp_path / "out")
    (tmp_path / "adapter" / "adapter_config.json").write_text(
        json.dumps({"peft_type": "LORA", "use_dora": True, "fan_in_fan_out": True})
    )
    (tmp_path / "adapter" / "adapter_model.safetensors").write_bytes(b"")
    with pytest.raises(TrainError, match="use_dora with fan_in_fan_out"):
        merge_adapter(tmp_path, tmp_path / "adapter", tmp_path / "out")


def test_dora_merge_equals_base_plus_adapter(tmp_path: Path, smollm2_dir: Path) -> None:
    """DoRA (peft_use_dora): the merged weights are m * (W + sBA) / ||W + sBA|| row by row, as peft computes."""
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig

    from yc_train.merge import merge_adapter

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2)  # fmt: skip
    base_dir, adapter_dir = tmp_path / "base", tmp_path / "adapter"
    AutoModelForCausalLM.from_config(cfg).save_pretrained(base_dir)
    tok.save_pretrained(base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    peft_model = get_peft_model(
        model, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", use_dora=True)
    )
    with torch.no_grad():  # a trained-looking adapter: B != 0 and magnitudes moved off the base norms
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.add_(torch.randn_like(p) * 0.05)
            if "lora_magnitude_vector" in name:
                p.mul_(1 + 0.2 * torch.rand_like(p))
    peft_model.save_pretrained(adapter_dir)

    result = merge_adapter(base_dir, adapter_dir, tmp_path / "merged")
    assert result.merged_modules == 2 * 7
    text = "hello builders, today we ship"
    reference = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32), adapter_dir
    ).eval()
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged", dtype=torch.float32).eval()
    plain = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32).eval()
    diff = float((_logits(merged, tok, text) - _logits(reference, tok, text)).abs().max())
    assert diff <= 1e-4, diff
    # the adapter matters: the base alone is far from it
    assert float((_logits(plain, tok, text) - _logits(reference, tok, text)).abs().max()) > 100 * diff
