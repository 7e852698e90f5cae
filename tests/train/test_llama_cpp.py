"""A real llama.cpp runtime (llama-cpp-python) runs yc's GGUF files as transformers runs the source model.

Run through ``scripts/llama-cpp-check.sh``, which installs the runtime into a throwaway venv; without it
every test here is skipped with that reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.train_models import tiny_model

llama_cpp = pytest.importorskip(
    "llama_cpp", reason="llama-cpp-python is not installed here: run scripts/llama-cpp-check.sh"
)

N_NEW = 12


def _llama(path: Path):
    return llama_cpp.Llama(model_path=str(path), n_ctx=256, n_threads=2, logits_all=True, verbose=False)


@pytest.mark.parametrize("quant", ["f16", "q8_0"])
def test_greedy_tokens_match_transformers(tmp_path: Path, smollm2_dir: Path, quant: str) -> None:
    """SmolLM2-135M exported by yc: llama.cpp tokenizes a yc prompt to the ids training uses and greedy-
    generates the same first tokens as transformers."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from yc_curate.templates import get_template
    from yc_train.export import export_gguf
    from yc_train.infer import encode_prompt

    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    prompt = get_template("fireship", tokenizer=str(smollm2_dir)).render_prompt(
        "Rust in 100 seconds", "A quick look at Rust, a memory safe systems language."
    )
    ids = encode_prompt(tok, prompt)
    model = AutoModelForCausalLM.from_pretrained(smollm2_dir, dtype=torch.float32).eval()
    with torch.inference_mode():
        ref = model.generate(torch.tensor([ids]), max_new_tokens=N_NEW, do_sample=False)[
            0, len(ids) :
        ].tolist()

    path = export_gguf(smollm2_dir, tmp_path / f"smollm2.{quant}.gguf", quant).path
    llm = _llama(path)
    # llama.cpp's own tokenizer (BOS added from the file's metadata, prompt text as plain text)
    text = prompt.removeprefix(tok.bos_token)
    assert llm.tokenize(text.encode(), add_bos=True, special=False) == ids
    got = []
    for token in llm.generate(ids, temp=0.0, top_k=1, repeat_penalty=1.0):
        got.append(token)
        if len(got) == N_NEW:
            break
    assert got == ref, (quant, got, ref, tok.decode(got), tok.decode(ref))


@pytest.mark.parametrize("arch", ["llama", "mistral", "qwen2", "qwen3", "gemma"])
def test_llama_cpp_logits_match_per_architecture(tmp_path: Path, smollm2_dir: Path, arch: str) -> None:
    """Tiny random models of each supported family, f16 GGUF: llama.cpp's logits equal transformers'."""
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM

    from yc_train.export import export_gguf

    src = tiny_model(tmp_path / arch, arch, smollm2_dir)
    ids = [1, 504, 3458, 314, 253, 1789, 30, 1073]
    model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32).eval()
    with torch.inference_mode():
        ref = model(input_ids=torch.tensor([ids])).logits[0].numpy()
    llm = _llama(export_gguf(src, tmp_path / f"{arch}.gguf", "f16").path)
    llm.eval(ids)
    got = np.asarray(llm.scores[: len(ids)])
    diff = float(np.abs(got - ref).max())
    assert diff <= 0.02 * float(ref.std()) + 1e-3, (arch, diff, float(ref.std()))
