"""yc export: GGUF files that load back with the same logits, refused architectures, the Ollama template."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.support.go_template import parse_modelfile, render
from tests.support.train_models import tiny_model

TEXT = "Rust is a programming language that makes systems code safe and fast."

# Logit error of the GGUF read back by transformers, relative to the logit spread of the source model (a
# tiny random llama whose rows are 256 wide, so q4_k_m really writes Q4_K/Q6_K blocks). Measured here:
# max/std 0.007, 0.13, 2.6; mean/std 0.0008, 0.020, 0.25; top-1 agreement 1.0, 1.0, 0.71 (f16, q8_0,
# q4_k_m). On SmolLM2-135M: max |diff| 0.03, 0.62, 3.0 at logit std 5.4.
BOUNDS = {  # quant: (max |diff| / std, mean |diff| / std, top-1 agreement)
    "f16": (0.02, 0.003, 1.0),
    "q8_0": (0.3, 0.04, 0.85),
    "q4_k_m": (4.0, 0.4, 0.5),
}
WIDE_LLAMA = {
    "hidden_size": 256,
    "intermediate_size": 512,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
}


def _logits(model, ids):
    import torch

    with torch.inference_mode():
        return model(input_ids=ids).logits[0].float()


def wide_llama(folder: Path, tokenizer_dir: Path) -> Path:
    """A random 2-layer llama 256 wide with the SmolLM2 tokenizer (saved with tied embeddings)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    if (folder / "config.json").is_file():
        return folder
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    cfg = LlamaConfig(vocab_size=49152, num_hidden_layers=2, tie_word_embeddings=True,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, **WIDE_LLAMA)  # fmt: skip
    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg)
    with torch.no_grad():  # give the random model a spread of logits worth comparing
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.08)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("quant", ["f16", "q8_0", "q4_k_m"])
def test_gguf_round_trip_through_transformers(tmp_path_factory, smollm2_dir: Path, quant: str) -> None:
    """llama -> GGUF (quant) -> transformers(gguf_file=): logits within the quant's bound, same tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from yc_train.export import export_gguf

    torch.set_num_threads(2)
    src = wide_llama(tmp_path_factory.getbasetemp() / "wide-llama", smollm2_dir)
    out = tmp_path_factory.mktemp(quant)
    tok = AutoTokenizer.from_pretrained(src)
    ids = tok(TEXT, return_tensors="pt").input_ids
    ref = _logits(AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32).eval(), ids)
    result = export_gguf(src, out / f"m.{quant}.gguf", quant)
    expected = {"f16": {"F16", "F32"}, "q8_0": {"Q8_0", "F32"}, "q4_k_m": {"Q4_K", "Q6_K", "F32"}}
    assert set(result.types) == expected[quant]
    got = _logits(
        AutoModelForCausalLM.from_pretrained(out, gguf_file=result.path.name, dtype=torch.float32), ids
    )
    diff, std = (got - ref).abs(), float(ref.std())
    max_bound, mean_bound, agree_bound = BOUNDS[quant]
    agree = float((got.argmax(-1) == ref.argmax(-1)).float().mean())
    assert float(diff.max()) / std <= max_bound, (quant, float(diff.max()) / std)
    assert float(diff.mean()) / std <= mean_bound, (quant, float(diff.mean()) / std)
    assert agree >= agree_bound, (quant, agree)
    # the tokenizer inside the file: same ids, and BOS only where the source tokenizer adds one (as training)
    back = AutoTokenizer.from_pretrained(out, gguf_file=result.path.name)
    assert back(TEXT, add_special_tokens=False).input_ids == tok(TEXT, add_special_tokens=False).input_ids
    assert back(TEXT).input_ids == tok(TEXT).input_ids


@pytest.mark.parametrize("arch", ["mistral", "qwen2", "qwen3"])
def test_tiny_architectures_round_trip(tmp_path: Path, smollm2_dir: Path, arch: str, monkeypatch) -> None:
    """Tiny random mistral / qwen2 / qwen3 models: f16 GGUF read back by transformers gives their logits."""
    import torch
    from transformers import AutoModelForCausalLM

    from tests.support.train_models import ARCH_CONFIGS
    from yc_train.export import export_gguf

    # transformers reads no head_dim from a qwen3 GGUF (it keeps Qwen3's default, 128)
    monkeypatch.setitem(ARCH_CONFIGS, "qwen3", {**ARCH_CONFIGS["qwen3"], "head_dim": 128})
    src = tiny_model(tmp_path / arch, arch, smollm2_dir)
    ids = torch.tensor([[1, 504, 3458, 314, 253, 1789, 2]])
    ref = _logits(AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32).eval(), ids)
    # (a general.name containing "mistral" makes transformers look for a gguf-py "mistral" arch, which
    # llama.cpp does not have: it runs Mistral as "llama")
    result = export_gguf(src, tmp_path / "out" / f"{arch}.gguf", "f16", name="tiny")
    model = AutoModelForCausalLM.from_pretrained(
        tmp_path / "out", gguf_file=result.path.name, dtype=torch.float32
    )
    diff = float((_logits(model.eval(), ids) - ref).abs().max())
    assert diff <= 2e-3, (arch, diff)  # f16 weights, random init (logits ~0.1)


def test_unsupported_architecture_is_refused_with_the_list(tmp_path: Path, smollm2_dir: Path) -> None:
    from yc_train.errors import TrainError
    from yc_train.export import export_gguf

    src = tiny_model(tmp_path / "neox", "gpt_neox", smollm2_dir)
    with pytest.raises(TrainError) as err:
        export_gguf(src, tmp_path / "x.gguf", "q8_0")
    assert "gpt_neox" in str(err.value)
    assert "gemma, llama, mistral, qwen2, qwen3" in err.value.hint
    assert not (tmp_path / "x.gguf").exists()


def test_k_quants_decode_with_ggufs_own_dequantizer() -> None:
    """Q4_K / Q6_K blocks written here decode (by the gguf package) to the input within their step size."""
    import gguf

    from yc_train.export.quantize import encode

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 512)) * 0.05).astype(np.float32)
    x[3] += 0.3  # a shifted row: Q4_K's per-sub-block minimum must carry it
    for qtype, rel in ((gguf.GGMLQuantizationType.Q4_K, 0.09), (gguf.GGMLQuantizationType.Q6_K, 0.025)):
        blocks = encode(x, qtype)
        assert blocks.shape == (16, 512 // 256 * gguf.GGML_QUANT_SIZES[qtype][1])
        back = gguf.quants.dequantize(blocks, qtype)
        err = np.sqrt(((back - x) ** 2).mean()) / x.std()
        assert err <= rel, (qtype.name, err)


def _fireship(tokenizer_dir: Path):
    from yc_curate.templates import get_template

    return get_template("fireship", tokenizer=str(tokenizer_dir), persona="Captain Quill",
                        persona_description="making tiny, punchy videos about software.")  # fmt: skip


def test_ollama_template_renders_the_training_prompt(smollm2_dir: Path) -> None:
    """The Modelfile's TEMPLATE, rendered as Ollama does (runtime BOS first), is yc's own prompt."""
    from transformers import AutoTokenizer

    from yc_train.export.ollama import modelfile
    from yc_train.prompt_format import derive

    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    template = _fireship(smollm2_dir)
    fmt = derive(template, tok.bos_token, tok.eos_token)
    assert fmt is not None
    mf = parse_modelfile(modelfile("run.q8_0.gguf", fmt, context_length=256).text)
    assert mf["FROM"] == ["./run.q8_0.gguf"]
    assert mf["PARAMETER"] == [f'stop "{tok.eos_token}"', "temperature 0.7", "top_p 0.9", "num_ctx 256"]
    for title, summary in (("Rust in 100 seconds", "A quick look at Rust."), ("Zig {{ .Prompt }} now", None)):
        ex = template.render(title, summary, "ignored")
        user = next(m["content"] for m in ex.messages if m["role"] == "user")
        rendered = render(mf["TEMPLATE"][0], {"System": mf["SYSTEM"][0], "Prompt": user})
        assert tok.bos_token + rendered == template.render_prompt(title, summary)
        full = render(mf["TEMPLATE"][0], {"System": mf["SYSTEM"][0], "Prompt": user, "Response": "x"}, False)
        assert full == rendered + "x"


def test_chat_template_prompts_as_training_tokenized(smollm2_dir: Path) -> None:
    """apply_chat_template(messages) with the saved template gives the token ids training used."""
    from transformers import AutoTokenizer

    from yc_train.data.formats import formatter, structural_bos_id, tokenize_rows
    from yc_train.prompt_format import derive

    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    template = _fireship(smollm2_dir)
    bos = tok.bos_token if structural_bos_id(tok) is not None else None  # SmolLM2 adds none: training neither
    tok.chat_template = derive(template, bos, tok.eos_token).chat_template()
    ex = template.render("Rust in 100 seconds", "A quick look at Rust.", "Zorp zorp. Rust is fast.")
    [(train_ids, _)], _ = tokenize_rows(
        [{"prompt": ex.prompt, "completion": ex.completion}],
        formatter("completion", tok, None, False),
        tok,
        512,
    )
    full = tok.apply_chat_template(ex.messages, tokenize=True, return_dict=True)["input_ids"]
    assert list(full) == train_ids
    prompt = tok.apply_chat_template(
        ex.messages[1:2], tokenize=True, add_generation_prompt=True, return_dict=True
    )
    assert train_ids[: len(prompt["input_ids"])] == list(prompt["input_ids"])  # default system = the persona
