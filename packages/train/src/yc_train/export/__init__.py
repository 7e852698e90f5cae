"""Export a fine-tuned yc model for local runtimes: one GGUF file (llama.cpp, Ollama, LM Studio) and an
Ollama ``Modelfile`` that prompts it in the dataset's format.

Entry point::

    result = export_model(cfg, quant="q8_0", out_dir=None, modelfile=True, overwrite=False)

The model is the merged folder (``output_dir/merged``, merged first when missing) for LoRA/QLoRA runs,
``output_dir`` for full fine-tunes. The files go through :func:`yc_curate.outputs.staged_output`
(``output_dir/gguf`` by default): yc replaces only its own files there.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yc_train.errors import TrainError
from yc_train.export.gguf_file import GGUFResult, export_gguf
from yc_train.export.quantize import QUANTS

__all__ = ["QUANTS", "ExportResult", "GGUFResult", "export_gguf", "export_model", "model_folder"]

log = logging.getLogger(__name__)


@dataclass
class ExportResult:
    """What :func:`export_model` wrote (``modelfile`` is None when not asked for)."""

    folder: Path
    gguf: Path
    modelfile: Path | None
    model_dir: Path
    merged_now: bool
    gguf_result: GGUFResult | None  # None when an up-to-date GGUF was kept


def model_folder(
    cfg: Any, lora_model_dir: str | Path | None = None, overwrite: bool = False
) -> tuple[Path, bool]:
    """The HF folder to export for a training config, merging the adapter first when ``merged/`` is
    missing or older than the adapter."""
    out = Path(str(cfg.output_dir))
    if getattr(cfg, "adapter", None) not in ("lora", "qlora"):
        if not (out / "config.json").is_file():
            raise TrainError(f"no trained model in {out}", "train first: yc train CONFIG")
        return out, False
    merged = out / "merged"
    adapter = Path(str(lora_model_dir or getattr(cfg, "lora_model_dir", None) or out))
    weights = [p for p in adapter.glob("adapter_model.*") if p.is_file()]
    if (merged / "config.json").is_file() and lora_model_dir is None:
        newest = max((p.stat().st_mtime for p in weights), default=0.0)
        if (merged / "config.json").stat().st_mtime >= newest:  # not older than the adapter
            return merged, False
    from yc_train.merge import merge_adapter, resolve_model_dir

    merge_adapter(resolve_model_dir(cfg.base_model), adapter, merged, overwrite=overwrite)
    return merged, True


def gguf_name(cfg: Any, quant: str) -> str:
    return f"{Path(str(cfg.output_dir)).name}.{quant}.gguf"


def export_model(
    cfg: Any,
    quant: str = "q8_0",
    *,
    out_dir: str | Path | None = None,
    modelfile: bool = False,
    overwrite: bool = False,
    lora_model_dir: str | Path | None = None,
    on_tensor: Callable[[str, int, int], None] | None = None,
) -> ExportResult:
    """Write ``NAME.QUANT.gguf`` (and, with ``modelfile``, an Ollama ``Modelfile``) for a training config.

    A GGUF already in the folder from an earlier export (same name, newer than the model) is kept, so
    ``yc export ollama`` after ``yc export gguf`` does not convert twice. Other GGUFs yc wrote there stay.
    """
    from yc_curate.outputs import staged_output
    from yc_train.artefacts import prompt_format
    from yc_train.export.ollama import modelfile as make_modelfile

    if quant not in QUANTS:
        raise TrainError(f"unknown GGUF quant '{quant}'", f"use one of: {', '.join(QUANTS)}")
    model_dir, merged_now = model_folder(cfg, lora_model_dir, overwrite)
    target = Path(out_dir) if out_dir else Path(str(cfg.output_dir)) / "gguf"
    name = gguf_name(cfg, quant)
    fmt = prompt_format(model_dir)
    previous = target / name
    fresh = (
        previous.is_file()
        and not merged_now
        and previous.stat().st_mtime >= max(p.stat().st_mtime for p in model_dir.glob("*.safetensors"))
    )
    result: GGUFResult | None = None
    with staged_output(target, overwrite=overwrite) as stage:
        for kept in sorted(target.glob("*.gguf")) if target.is_dir() else []:
            if kept.name != name or fresh:  # earlier exports in other quants stay
                _link(kept, stage / kept.name)
        if not fresh:
            result = export_gguf(
                model_dir,
                stage / name,
                quant,
                chat_template=fmt.chat_template() if fmt else None,
                name=Path(str(cfg.output_dir)).name,
                on_tensor=on_tensor,
            )
        if modelfile:
            seq = getattr(cfg, "sequence_len", None)
            mf = make_modelfile(name, fmt, context_length=int(seq) if seq else None)
            (stage / "Modelfile").write_text(mf.text, encoding="utf-8")
        elif (target / "Modelfile").is_file():
            _link(target / "Modelfile", stage / "Modelfile")
    return ExportResult(
        target.absolute(),
        target.absolute() / name,
        target.absolute() / "Modelfile" if modelfile else None,
        model_dir,
        merged_now,
        result,
    )


def _link(src: Path, dst: Path) -> None:
    """Carry a file yc keeps into the staging folder (a hard link: no copy of gigabytes)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
