"""Per-tensor GGML types for ``f16`` / ``q8_0`` / ``q4_k_m``, and the K-quant encoders ``gguf`` lacks.

The ``gguf`` package quantizes Q8_0 / Q5_0 (bit-exact with ggml) but only *de*quantizes the K-quants, so
Q4_K and Q6_K are encoded here as the exact inverse of ``gguf.quants`` (same block layout as ggml). The
scale search is the plain min/max one, not llama.cpp's iterative ``make_qkx2`` refinement: the files are
valid for every llama.cpp runtime, with somewhat larger rounding error than ``llama-quantize`` makes.

The type plan follows llama.cpp's ``llama_tensor_get_type`` for the three file types:

- 1-D tensors (norms, biases) stay F32;
- ``f16``: 2-D tensors F16; ``q8_0``: Q8_0;
- ``q4_k_m``: Q4_K, with Q6_K for the output matrix (the embeddings when tied) and for ``attn_v`` and
  ``ffn_down`` in the first and last eighth of the layers and every third one between;
- rows whose length the block does not divide fall back as llama.cpp does (Q4_K -> Q5_0, Q6_K -> Q8_0,
  Q8_0 / Q5_0 -> F16).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

QUANTS = ("f16", "q8_0", "q4_k_m")
QK_K = 256


def _gguf() -> Any:
    import gguf

    return gguf


def file_type(quant: str) -> int:
    """The ``general.file_type`` (llama.cpp's ``LlamaFileType``) of a quant name."""
    t = _gguf().LlamaFileType
    return int({"f16": t.MOSTLY_F16, "q8_0": t.MOSTLY_Q8_0, "q4_k_m": t.MOSTLY_Q4_K_M}[quant])


def _more_bits(layer: int, n_layers: int) -> bool:
    return layer < n_layers // 8 or layer >= 7 * n_layers // 8 or (layer - n_layers // 8) % 3 == 2


def tensor_type(name: str, shape: tuple[int, ...], quant: str, n_layers: int, has_output: bool) -> Any:
    """The GGML type of GGUF tensor ``name`` (numpy ``shape``, rows last) in a ``quant`` file."""
    q = _gguf().GGMLQuantizationType
    if len(shape) < 2 or name == "rope_freqs.weight":
        return q.F32
    if quant == "f16":
        return q.F16
    if quant == "q8_0":
        wanted = q.Q8_0
    else:
        wanted = q.Q4_K
        m = re.match(r"blk\.(\d+)\.(attn_v|ffn_down)\.weight$", name)
        is_output = name == "output.weight" or (not has_output and name == "token_embd.weight")
        if is_output or (m and _more_bits(int(m.group(1)), n_layers)):
            wanted = q.Q6_K
    return _fit(wanted, shape[-1])


def _fit(qtype: Any, row: int) -> Any:
    q = _gguf().GGMLQuantizationType
    fallback = {q.Q4_K: q.Q5_0, q.Q6_K: q.Q8_0, q.Q8_0: q.F16, q.Q5_0: q.F16}
    while qtype in fallback and row % _gguf().GGML_QUANT_SIZES[qtype][0]:
        qtype = fallback[qtype]
    return qtype


def encode(data: np.ndarray, qtype: Any) -> np.ndarray:
    """``data`` (float32) in GGML type ``qtype``: float arrays for F32/F16, else uint8 blocks per row."""
    q = _gguf().GGMLQuantizationType
    data = np.ascontiguousarray(data, dtype=np.float32)
    if qtype in (q.Q4_K, q.Q6_K):
        rows = data.reshape(-1, QK_K)
        blocks = _q4_k(rows) if qtype == q.Q4_K else _q6_k(rows)
        return blocks.reshape(*data.shape[:-1], -1)
    return _gguf().quants.quantize(data, qtype)


def byte_shape(shape: tuple[int, ...], qtype: Any) -> tuple[int, ...]:
    return tuple(_gguf().quant_shape_to_byte_shape(shape, qtype))


def _f16_bytes(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float16).reshape(-1, 1).view(np.uint8)


def _q4_k(x: np.ndarray) -> np.ndarray:
    """Q4_K blocks (144 bytes per 256 values): ``w = d*sc*q - dmin*m``, q in 0..15, 8 sub-blocks of 32."""
    n = x.shape[0]
    sub = x.reshape(n, 8, 32)
    lo = np.minimum(sub.min(axis=2), 0.0)  # the offset is subtracted, so it is >= 0
    scale = (sub.max(axis=2) - lo) / 15.0
    offset = -lo
    d = scale.max(axis=1, keepdims=True) / 63.0
    dmin = offset.max(axis=1, keepdims=True) / 63.0
    d16, dmin16 = d.astype(np.float16).astype(np.float32), dmin.astype(np.float16).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d16 > 0, np.rint(scale / d16), 0).clip(0, 63).astype(np.uint8)
        mn = np.where(dmin16 > 0, np.rint(offset / dmin16), 0).clip(0, 63).astype(np.uint8)
        eff = (d16 * sc)[..., None]
        qv = np.where(eff > 0, np.rint((sub + (dmin16 * mn)[..., None]) / eff), 0)
    qv = qv.clip(0, 15).astype(np.uint8)
    scales = np.empty((n, 12), dtype=np.uint8)
    scales[:, 0:4] = (sc[:, :4] & 63) | ((sc[:, 4:] >> 4) << 6)
    scales[:, 4:8] = (mn[:, :4] & 63) | ((mn[:, 4:] >> 4) << 6)
    scales[:, 8:12] = (sc[:, 4:] & 15) | ((mn[:, 4:] & 15) << 4)
    pairs = qv.reshape(n, 4, 2, 32)
    qs = (pairs[:, :, 0, :] | (pairs[:, :, 1, :] << 4)).reshape(n, 128)
    return np.concatenate([_f16_bytes(d16).reshape(n, 2), _f16_bytes(dmin16).reshape(n, 2), scales, qs], 1)


def _q6_k(x: np.ndarray) -> np.ndarray:
    """Q6_K blocks (210 bytes per 256 values): ``w = d*sc*q``, q in -32..31, 16 groups of 16."""
    n = x.shape[0]
    groups = x.reshape(n, 16, 16)
    scale = np.abs(groups).max(axis=2) / 31.0
    d = scale.max(axis=1, keepdims=True) / 127.0
    d16 = d.astype(np.float16).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d16 > 0, np.rint(scale / d16), 0).clip(0, 127).astype(np.int8)
        eff = (d16 * sc)[..., None]
        qv = np.where(eff > 0, np.rint(groups / eff), 0)
    u = (qv.clip(-32, 31) + 32).astype(np.uint8).reshape(n, 2, 128)  # two halves of 128 values
    ql = (u[:, :, :64] & 15) | ((u[:, :, 64:] & 15) << 4)  # (n, 2, 64)
    hi = (u >> 4).reshape(n, 2, 4, 32)
    qh = hi[:, :, 0] | (hi[:, :, 1] << 2) | (hi[:, :, 2] << 4) | (hi[:, :, 3] << 6)  # (n, 2, 32)
    return np.concatenate(
        [ql.reshape(n, 128), qh.reshape(n, 64), sc.view(np.uint8), _f16_bytes(d16).reshape(n, 2)], 1
    )
