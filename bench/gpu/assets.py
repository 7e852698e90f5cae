"""Offline inputs for the GPU benchmark: a word-level tokenizer, Llama-shaped models with random weights, rows.

Nothing is downloaded (the GPU machine has no network). Speed does not depend on the weights' values, so
"SmolLM2-135M" here is SmolLM2-135M's exact architecture with random weights, and "llama-1b" is Llama-3.2-1B's
shape; each word of a row is one token of the word-level tokenizer, so row lengths are exact.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]
WORDS = 8000

SHAPES = {  # LlamaConfig fields
    "smollm2-135m": dict(
        hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
        num_key_value_heads=3, vocab_size=49152, tie_word_embeddings=True, rope_theta=100000.0,
    ),
    "llama-1b": dict(
        hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
        num_key_value_heads=8, vocab_size=128256, tie_word_embeddings=True, rope_theta=500000.0,
    ),
    "tiny": dict(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=WORDS + len(SPECIALS), tie_word_embeddings=True,
    ),
}  # fmt: skip


def word_tokenizer(folder: Path) -> Path:
    """A fast word-level tokenizer (``w0`` ... ``w7999`` plus specials) saved as a transformers folder."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    if (folder / "tokenizer.json").exists():
        return folder
    vocab = {t: i for i, t in enumerate([*SPECIALS, *(f"w{i}" for i in range(WORDS))])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    tok.save_pretrained(folder)
    return folder


def model_folder(folder: Path, shape: str, tokenizer_dir: Path) -> Path:
    """A randomly initialised Llama-shaped model (bf16 on disk) plus the tokenizer, saved once."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    if (folder / "config.json").exists():
        return folder
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    cfg = LlamaConfig(
        **SHAPES[shape],
        max_position_embeddings=8192,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        use_cache=False,
    )
    torch.manual_seed(0)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = LlamaForCausalLM(cfg).to(torch.bfloat16)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    del model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()  # the arms run in their own processes and need the memory
    return folder


def write_rows(path: Path, n: int, lo: int, hi: int, seed: int = 0) -> list[int]:
    """``n`` jsonl rows of ``text`` with log-normal token counts in [lo, hi] (FIELD-NOTES' anchor shape)."""
    rng = random.Random(seed)
    mu, sigma = math.log(math.sqrt(lo * hi)), math.log(hi / lo) / 4
    rows, lengths = [], []
    for _ in range(n):
        length = int(min(hi, max(lo, rng.lognormvariate(mu, sigma))))
        rows.append({"text": " ".join(f"w{rng.randrange(WORDS)}" for _ in range(length - 2))})
        lengths.append(length)  # + BOS + EOS
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return lengths


def param_count(shape: str) -> tuple[int, int]:
    """(all parameters, parameters outside the embedding) of a shape, from its config alone."""
    s = SHAPES[shape]
    h, i, layers = s["hidden_size"], s["intermediate_size"], s["num_hidden_layers"]
    kv = s["num_key_value_heads"] * h // s["num_attention_heads"]
    per_layer = 2 * h * h + 2 * h * kv + 3 * h * i + 2 * h
    body = layers * per_layer + h
    embed = s["vocab_size"] * h
    return body + embed * (1 if s["tie_word_embeddings"] else 2), body
