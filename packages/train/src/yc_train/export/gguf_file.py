"""Write a Hugging Face model folder (a merged or fully trained yc model) as one GGUF file.

Written with the ``gguf`` package (llama.cpp's own writer) in two passes, so memory stays at about one
tensor: the plan (names, shapes, types) is read from the safetensors headers and written first, then each
tensor is loaded, converted (see :mod:`yc_train.export.architectures`), quantized and appended.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yc_train.errors import TrainError
from yc_train.export.architectures import arch_for, transform, write_hparams
from yc_train.export.quantize import QUANTS, byte_shape, encode, file_type, tensor_type
from yc_train.export.vocab import write_vocab

log = logging.getLogger(__name__)


@dataclass
class GGUFResult:
    """What :func:`export_gguf` wrote."""

    path: Path
    quant: str
    arch: str
    tensors: int
    size_bytes: int
    types: dict[str, int] = field(default_factory=dict)  # GGML type name -> tensor count
    vocab: dict[str, Any] = field(default_factory=dict)


def _weight_files(model_dir: Path) -> list[Path]:
    index = model_dir / "model.safetensors.index.json"
    if index.is_file():
        names = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [model_dir / n for n in names]
    if (model_dir / "model.safetensors").is_file():
        return [model_dir / "model.safetensors"]
    raise TrainError(
        f"no safetensors weights in {model_dir}",
        "export a merged folder (yc merge CONFIG) or a fully trained output_dir",
    )


def export_gguf(
    model_dir: str | Path,
    out_file: str | Path,
    quant: str = "q8_0",
    *,
    chat_template: str | None = None,
    name: str | None = None,
    on_tensor: Callable[[str, int, int], None] | None = None,
) -> GGUFResult:
    """Write ``model_dir`` (config, safetensors, fast tokenizer) to ``out_file`` as GGUF in ``quant``.

    ``quant`` is one of ``f16``, ``q8_0``, ``q4_k_m``. The tokenizer, its special tokens and
    ``chat_template`` (default: the folder's own) are embedded. ``on_tensor(name, i, n)`` reports progress.
    Raises :class:`TrainError` for an unsupported architecture, tokenizer or quant.
    """
    import gguf
    import torch
    from safetensors import safe_open

    if quant not in QUANTS:
        raise TrainError(f"unknown GGUF quant '{quant}'", f"use one of: {', '.join(QUANTS)}")
    model_dir, out_file = Path(model_dir), Path(out_file)
    config = json.loads((model_dir / "config.json").read_text())
    arch = arch_for(config)
    n_layers = int(config["num_hidden_layers"])
    gguf_arch = next(k for k, v in gguf.MODEL_ARCH_NAMES.items() if v == arch.gguf_arch)
    names = gguf.get_tensor_name_map(gguf_arch, n_layers)
    files = _weight_files(model_dir)

    plan: list[tuple[Path, str, str, tuple[int, ...], Any]] = []
    hf_names: list[tuple[Path, str, tuple[int, ...]]] = []
    for f in files:
        with safe_open(str(f), "pt") as st:
            for key in st.keys():  # noqa: SIM118 - safe_open is not a mapping
                hf_names.append((f, key, tuple(st.get_slice(key).get_shape())))
    tied = bool(config.get("tie_word_embeddings")) or not any(k == "lm_head.weight" for _, k, _ in hf_names)
    for f, key, shape in hf_names:
        if key == "lm_head.weight" and tied:
            continue  # llama.cpp reuses token_embd
        if key.endswith("rotary_emb.inv_freq"):
            continue
        gname = names.get_name(key, try_suffixes=(".weight", ".bias"))
        if gname is None:
            raise TrainError(
                f"GGUF export cannot place the tensor '{key}' of a {config.get('model_type')} model",
                "the checkpoint has weights llama.cpp's architecture lacks; use convert_hf_to_gguf.py",
            )
        plan.append((f, key, gname, shape, tensor_type(gname, shape, quant, n_layers, not tied)))

    writer = gguf.GGUFWriter(path=None, arch=arch.gguf_arch)
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(name or model_dir.name)
    write_hparams(writer, arch, config)
    writer.add_file_type(file_type(quant))
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    vocab = write_vocab(writer, model_dir, int(config["vocab_size"]), chat_template)
    types: dict[str, int] = {}
    for _, _, gname, shape, qtype in plan:
        q = gguf.GGMLQuantizationType
        if qtype in (q.F32, q.F16):
            dtype = torch.float32 if qtype == q.F32 else torch.float16
            nbytes = int(torch.empty(0, dtype=dtype).element_size()) * int(torch.Size(shape).numel())
            writer.add_tensor_info(gname, shape, _np_dtype(qtype), nbytes)
        else:
            bshape = byte_shape(shape, qtype)
            writer.add_tensor_info(
                gname, bshape, _np_uint8(), int(torch.Size(bshape).numel()), raw_dtype=qtype
            )
        types[qtype.name] = types.get(qtype.name, 0) + 1

    out_file.parent.mkdir(parents=True, exist_ok=True)
    writer.write_header_to_file(path=out_file)
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    handles: dict[Path, Any] = {}
    try:
        for i, (f, key, gname, _, qtype) in enumerate(plan):
            if f not in handles:
                handles[f] = safe_open(str(f), "pt")
            data = handles[f].get_tensor(key).to(torch.float32).numpy()
            data = transform(arch, config, key, data)
            writer.write_tensor_data(encode(data, qtype))
            if on_tensor:
                on_tensor(gname, i + 1, len(plan))
    finally:
        writer.close()
    size = out_file.stat().st_size
    log.info("wrote %s (%s, %d tensors, %.1f MB)", out_file, quant, len(plan), size / 1e6)
    return GGUFResult(out_file, quant, arch.gguf_arch, len(plan), size, types, vocab)


def _np_dtype(qtype: Any) -> Any:
    import numpy as np

    return np.float32 if qtype.name == "F32" else np.float16


def _np_uint8() -> Any:
    import numpy as np

    return np.dtype(np.uint8)
