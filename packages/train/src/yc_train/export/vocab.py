"""The tokenizer as GGUF metadata: tokens, token types, merges, special ids, pre-tokenizer, chat template.

Byte-level BPE tokenizers (GPT-2 style: SmolLM, Llama 3, Qwen, ...) are written from ``tokenizer.json``
the way llama.cpp's ``convert_hf_to_gguf.py`` does (added special tokens are CONTROL, other added tokens
USER_DEFINED, ids past the tokenizer's end ``[PADn]``). The pre-tokenizer name is read from the
tokenizer's own pre-tokenizer, so llama.cpp splits text as this tokenizer does. SentencePiece-style
tokenizers (byte fallback, no byte-level decoder) are refused with a hint.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from yc_train.data.formats import structural_bos_id
from yc_train.errors import TrainError

# Split regexes of byte-level pre-tokenizers -> llama.cpp's ``tokenizer.ggml.pre`` names.
_PRE_REGEXES = {
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
    "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": "llama-bpe",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
    "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": "qwen2",
}


def _pre_name(pre: dict[str, Any] | None) -> str:
    """llama.cpp's pre-tokenizer name for a ``tokenizer.json`` ``pre_tokenizer``."""
    if not pre:
        return "default"
    if pre.get("type") == "ByteLevel" and pre.get("use_regex", True):
        return "gpt-2"  # llama.cpp's name for plain GPT-2 byte-level splitting
    if pre.get("type") == "Sequence":
        parts = pre.get("pretokenizers") or []
        kinds = [p.get("type") for p in parts]
        if kinds == ["Digits", "ByteLevel"] and parts[0].get("individual_digits"):
            return "smollm"
        if kinds and kinds[0] == "Split":
            regex = (parts[0].get("pattern") or {}).get("Regex", "")
            if regex in _PRE_REGEXES:
                return _PRE_REGEXES[regex]
    raise TrainError(
        f"GGUF export does not know this tokenizer's pre-tokenizer ({json.dumps(pre)[:80]}...)",
        "use llama.cpp's convert_hf_to_gguf.py on the merged folder",
    )


def _looks_special(token: str) -> bool:
    return bool(re.fullmatch(r"<\|.*\|>|<[a-z_]+>|\[[A-Z_/]+\]", token))


def write_vocab(writer: Any, model_dir: Path, vocab_size: int, chat_template: str | None) -> dict[str, Any]:
    """Write the tokenizer in ``model_dir`` into ``writer``; return what was written (for logs and tests)."""
    import gguf
    from transformers import AutoTokenizer

    tj_file = model_dir / "tokenizer.json"
    if not tj_file.is_file():
        raise TrainError(
            f"no tokenizer.json in {model_dir}", "GGUF export needs a fast (tokenizers) tokenizer"
        )
    tj = json.loads(tj_file.read_text(encoding="utf-8"))
    model = tj.get("model") or {}
    if (
        model.get("type") != "BPE"
        or model.get("byte_fallback")
        or (tj.get("decoder") or {}).get("type") != "ByteLevel"
    ):
        raise TrainError(
            "GGUF export writes byte-level BPE tokenizers only; this one is "
            f"{model.get('type')}{' with byte fallback' if model.get('byte_fallback') else ''}",
            "use llama.cpp's convert_hf_to_gguf.py on the merged folder",
        )
    pre = _pre_name(tj.get("pre_tokenizer"))
    tok = AutoTokenizer.from_pretrained(str(model_dir))
    reverse = {i: t for t, i in tok.get_vocab().items()}
    added = tok.get_added_vocab()
    decoder = tok.added_tokens_decoder
    tokens: list[str] = []
    types: list[int] = []
    for i in range(vocab_size):
        if i not in reverse:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
            continue
        t = reverse[i]
        if t in added:
            special = decoder[i].special if i in decoder else False
            types.append(
                gguf.TokenType.CONTROL if special or _looks_special(t) else gguf.TokenType.USER_DEFINED
            )
        else:
            types.append(gguf.TokenType.NORMAL)
        tokens.append(t)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    special = gguf.SpecialVocab(model_dir, load_merges=True, n_vocab=len(tokens))
    # Training puts the BOS id before an example where the tokenizer adds one (Llama; not SmolLM2 or Qwen):
    # runtimes must do the same.
    add_bos = structural_bos_id(tok) is not None
    special.add_special_token["bos"] = add_bos
    special.add_special_token["eos"] = False
    special.chat_template = chat_template
    special.add_to_gguf(writer, quiet=True)
    return {
        "pre": pre,
        "tokens": len(tokens),
        "merges": len(special.merges),
        "add_bos": add_bos,
        "special_ids": dict(special.special_token_ids),
    }
