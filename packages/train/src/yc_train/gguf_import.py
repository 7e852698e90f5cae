"""Turn a GGUF checkpoint into a plain Hugging Face model folder (dequantized), once, with a cache.

transformers can read GGUF (``from_pretrained(folder, gguf_file=...)``, needs the ``gguf`` package) but
such a model carries a GGUF quantization config and refuses ``save_pretrained``. We build a fresh model
from its config, load the dequantized weights and save that, so every later load is an ordinary one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from yc_train.errors import TrainError

log = logging.getLogger(__name__)


def default_cache() -> Path:
    """Where dequantized folders live: ``$YC_CACHE`` or ``~/.cache/yc``."""
    return Path(os.environ.get("YC_CACHE") or Path.home() / ".cache" / "yc")


def dequantize_gguf(gguf_file: Path, out_dir: Path | None = None, dtype: str = "float32") -> Path:
    """Write ``gguf_file`` as a safetensors HF folder (model + tokenizer) and return it; reused if present."""
    gguf_file = Path(gguf_file)
    if not gguf_file.is_file():
        raise TrainError(f"GGUF file not found: {gguf_file}", "pass the path of an existing .gguf file")
    if out_dir is None:
        stat = gguf_file.stat()
        tag = hashlib.sha256(
            f"{gguf_file.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{dtype}".encode()
        ).hexdigest()[:12]
        out_dir = default_cache() / "gguf" / f"{gguf_file.stem}-{tag}"
    out_dir = Path(out_dir)
    if (out_dir / "config.json").is_file() and any(out_dir.glob("*.safetensors")):
        return out_dir
    try:
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    except ModuleNotFoundError as err:  # pragma: no cover - yc-train depends on both
        raise TrainError(f"cannot import {err.name}", "install yc-train") from err
    try:
        import gguf  # noqa: F401
    except ModuleNotFoundError as err:
        raise TrainError(
            "reading GGUF needs the 'gguf' package", "install it: uv pip install 'yc-train[gguf]'"
        ) from err

    log.info("dequantizing %s into %s (once)", gguf_file, out_dir)
    folder, name = str(gguf_file.parent), gguf_file.name
    torch_dtype = getattr(torch, dtype)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch_dtype)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.dtype = dtype
    model = AutoModelForCausalLM.from_config(config, dtype=torch_dtype)
    missing, unexpected = model.load_state_dict(loaded.state_dict(), strict=False)
    if unexpected or [k for k in missing if "lm_head" not in k]:
        raise TrainError(
            f"GGUF weights do not match the architecture: missing={missing[:3]} unexpected={unexpected[:3]}"
        )
    if getattr(config, "tie_word_embeddings", False):
        model.tie_weights()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out_dir.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        if out_dir.exists():  # another process finished first
            shutil.rmtree(tmp)
        else:
            tmp.rename(out_dir)  # atomic: a half-written folder is never used
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
