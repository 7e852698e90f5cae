"""Which Hugging Face architectures become which llama.cpp architectures, and how their weights change.

Each entry says the GGUF ``general.architecture``, whether Q/K rows are permuted into llama.cpp's rotary
layout (the LLaMA/Mistral family, as ``convert_hf_to_gguf.py`` does), whether RMSNorm weights get the
``+1`` Gemma stores outside the file, and which hyper-parameters it writes. Tensor names come from the
``gguf`` package's own name map. Anything else is refused with the list (:func:`arch_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from yc_train.errors import TrainError


@dataclass(frozen=True)
class Arch:
    gguf_arch: str  # llama.cpp's architecture name
    permute_qk: bool = False
    norm_plus_one: bool = False
    head_dim_keys: bool = False  # write attention.key_length / value_length
    rope_dims: bool = True  # write rope.dimension_count


ARCHS: dict[str, Arch] = {
    "llama": Arch("llama", permute_qk=True),
    "mistral": Arch("llama", permute_qk=True),  # llama.cpp runs Mistral as "llama"
    "qwen2": Arch("qwen2"),
    "qwen3": Arch("qwen3", head_dim_keys=True),
    "gemma": Arch("gemma", norm_plus_one=True, head_dim_keys=True, rope_dims=False),
}


def arch_for(config: dict[str, Any]) -> Arch:
    """The export recipe for a ``config.json``; a :class:`TrainError` listing the supported ones otherwise."""
    model_type = str(config.get("model_type", ""))
    if model_type not in ARCHS:
        raise TrainError(
            f"GGUF export does not support the architecture '{model_type or 'unknown'}'",
            f"supported: {', '.join(sorted(ARCHS))}; for others use llama.cpp's convert_hf_to_gguf.py",
        )
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    rope_type = rope.get("rope_type") or rope.get("type") or "default"
    if rope_type != "default":
        raise TrainError(
            f"GGUF export does not handle rope scaling '{rope_type}' yet",
            "use llama.cpp's convert_hf_to_gguf.py on the merged folder",
        )
    return ARCHS[model_type]


def head_dim(config: dict[str, Any]) -> int:
    return int(config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"])


def rope_theta(config: dict[str, Any]) -> float:
    rope = config.get("rope_parameters") or {}
    return float(rope.get("rope_theta") or config.get("rope_theta") or 10000.0)


def write_hparams(writer: Any, arch: Arch, config: dict[str, Any]) -> None:
    """Model hyper-parameters as llama.cpp reads them for ``arch``."""
    writer.add_context_length(int(config.get("max_position_embeddings") or 2048))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_block_count(int(config["num_hidden_layers"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_head_count_kv(int(config.get("num_key_value_heads") or config["num_attention_heads"]))
    writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps") or 1e-6))
    writer.add_rope_freq_base(rope_theta(config))
    writer.add_vocab_size(int(config["vocab_size"]))
    if arch.rope_dims:
        writer.add_rope_dimension_count(head_dim(config))
    if arch.head_dim_keys:
        writer.add_key_length(head_dim(config))
        writer.add_value_length(head_dim(config))


def _permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """Rows of a Q/K projection from Hugging Face's rotary layout to llama.cpp's (half-split -> interleaved)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def transform(arch: Arch, config: dict[str, Any], hf_name: str, data: np.ndarray) -> np.ndarray:
    """The tensor ``hf_name`` as llama.cpp expects it for ``arch``."""
    if arch.permute_qk and hf_name.endswith(("q_proj.weight", "k_proj.weight")):
        heads = int(config["num_attention_heads"])
        if hf_name.endswith("k_proj.weight"):
            heads = int(config.get("num_key_value_heads") or heads)
        data = _permute(data, heads)
    if arch.norm_plus_one and hf_name.endswith("norm.weight"):
        data = data + 1.0
    return data
