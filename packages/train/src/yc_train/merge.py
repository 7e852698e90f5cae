"""Merge a LoRA adapter into its base model, shard by shard, with bounded memory.

``merge_adapter`` never builds the model: it reads the base checkpoint one shard at a time, adds the
adapter's low-rank update to every targeted weight (``W + scale * B @ A``; for DoRA, that sum rescaled row by
row to the trained magnitude, ``m * (W + scale * B @ A) / ||W + scale * B @ A||``), computed in float64 and cast
back to the base dtype, which keeps the merged logits within ~1e-5 of base+adapter in fp32), and writes
the shard. Peak memory is one shard plus the (small) adapter, so a model larger than GPU memory merges
on CPU. The output folder (``output_dir/merged``) holds safetensors shards + index, ``config.json``,
the generation config, the tokenizer, the prompt template and a chat template that builds the training
prompt (:mod:`yc_train.artefacts`): ready for ``from_pretrained``, ``pipeline``, vLLM, ``yc export gguf``
or ``yc publish --model``. It is written through :func:`yc_curate.outputs.staged_output`: only yc's own
files are replaced, a folder yc did not write is refused unless ``overwrite=True``.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yc_train.errors import TrainError

log = logging.getLogger(__name__)

ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "tokenizer.model",
    "vocab.json",
    "merges.txt",
    "added_tokens.json",
    "chat_template.jinja",
    "chat_template.json",
)
TEMPLATE_FILE = "yc_template.json"


@dataclass
class MergeResult:
    """What ``merge_adapter`` wrote."""

    out_dir: Path
    shards: list[str]
    merged_modules: int
    replaced_tensors: int
    dtype: str
    extra: dict[str, Any] = field(default_factory=dict)


def resolve_model_dir(name_or_path: str | Path) -> Path:
    """A local folder for a model: the path itself, or the Hub cache snapshot (downloaded if allowed)."""
    p = Path(str(name_or_path)).expanduser()
    if p.is_dir():
        return p
    try:
        from huggingface_hub import snapshot_download

        return Path(
            snapshot_download(
                str(name_or_path),
                allow_patterns=["*.json", "*.safetensors", "*.bin", "*.model", "*.txt", "*.jinja", "*.py"],
            )
        )
    except Exception as err:  # offline, unknown repo, gated...
        raise TrainError(
            f"cannot find the base model '{name_or_path}' locally or on the Hub ({type(err).__name__})",
            "set base_model to a local folder, or download it first (huggingface-cli download NAME)",
        ) from err


def _read_adapter(adapter_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    cfg_file = adapter_dir / "adapter_config.json"
    if not cfg_file.is_file():
        raise TrainError(
            f"no LoRA adapter in {adapter_dir} (adapter_config.json missing)",
            "train first (yc train CONFIG.yml) or pass --lora-model-dir DIR",
        )
    config = json.loads(cfg_file.read_text())
    _check_supported(config)
    for name in ADAPTER_WEIGHTS:
        f = adapter_dir / name
        if f.is_file():
            if name.endswith(".safetensors"):
                from safetensors.torch import load_file

                return config, load_file(str(f))
            import torch

            return config, torch.load(str(f), map_location="cpu", weights_only=True)
    raise TrainError(f"no adapter weights in {adapter_dir}", "expected adapter_model.safetensors")


def _check_supported(config: dict[str, Any]) -> None:
    if str(config.get("peft_type", "LORA")).upper() != "LORA":
        raise TrainError(f"only LoRA adapters can be merged (got {config.get('peft_type')})")
    problems = [
        key
        for key in (
            "lora_bias",
            "target_parameters",
            "layer_replication",
            "trainable_token_indices",
        )
        if config.get(key)
    ]
    if config.get("use_dora") and config.get("fan_in_fan_out"):
        problems.append("use_dora with fan_in_fan_out")
    if problems:
        raise TrainError(
            f"the shard-by-shard merge does not handle {', '.join(problems)}",
            "merge in memory with peft (PeftModel.merge_and_unload) for such adapters",
        )


def _scale(config: dict[str, Any], module: str) -> float:
    """LoRA scaling for one module, honouring rank/alpha patterns and rsLoRA (as peft does)."""
    r = config.get("r", 8)
    alpha = config.get("lora_alpha", r)
    for pattern, value in (config.get("rank_pattern") or {}).items():
        if re.search(rf"(^|\.){re.escape(pattern)}$", module) or re.fullmatch(pattern, module):
            r = value
            break
    for pattern, value in (config.get("alpha_pattern") or {}).items():
        if re.search(rf"(^|\.){re.escape(pattern)}$", module) or re.fullmatch(pattern, module):
            alpha = value
            break
    return alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r


def _plan(
    config: dict[str, Any], tensors: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Split adapter tensors into LoRA pairs per base weight key and whole-tensor replacements."""
    deltas: dict[str, dict[str, Any]] = {}
    replace: dict[str, Any] = {}
    for key, t in tensors.items():
        name = key.removeprefix("base_model.model.")
        m = re.match(
            r"(.+)\.lora_(A|B|embedding_A|embedding_B|magnitude_vector)(?:\.[^.]+)?(?:\.weight)?$", name
        )
        if m:
            module, part = m.group(1), m.group(2)
            entry = deltas.setdefault(f"{module}.weight", {"module": module})
            entry[part] = t
        elif ".original_module." in name:
            continue  # the untouched base copy that peft saves next to a resized module
        else:
            wrapped = ".modules_to_save." in name
            name = name.replace(".modules_to_save.default.", ".").replace(".modules_to_save.", ".")
            if wrapped or name not in replace:  # the wrapper's trained copy wins
                replace[name] = t
    for wkey, entry in deltas.items():
        if not (("A" in entry and "B" in entry) or ("embedding_A" in entry and "embedding_B" in entry)):
            raise TrainError(f"incomplete LoRA pair for {wkey} in the adapter", "re-save the adapter")
        if "magnitude_vector" in entry and "A" not in entry:
            raise TrainError(
                f"DoRA on an embedding ({wkey}) cannot be merged shard by shard", "merge with peft"
            )
        entry["scale"] = _scale(config, entry["module"])
    return deltas, replace


def _delta(entry: dict[str, Any], fan_in_fan_out: bool) -> Any:
    import torch

    if "A" in entry:
        a, b = entry["A"].to(torch.float64), entry["B"].to(torch.float64)
        d = b @ a
        if fan_in_fan_out:
            d = d.T
    else:  # embedding LoRA: A is (r, num_embeddings), B is (dim, r)
        d = (entry["embedding_B"].to(torch.float64) @ entry["embedding_A"].to(torch.float64)).T
    return d * entry["scale"]


def _merged(weight: Any, delta: Any, magnitude: Any | None) -> Any:
    """``W + delta`` in float64; with a DoRA magnitude, each output row rescaled to its trained norm (as peft)."""
    import torch

    w = weight.to(torch.float64) + delta
    if magnitude is None:
        return w
    norm = w.norm(p=2, dim=1, keepdim=True)
    return magnitude.to(torch.float64).view(-1, 1) / norm * w


def _base_shards(base_dir: Path) -> tuple[list[str], dict[str, str] | None, str]:
    for index_name, kind in (
        ("model.safetensors.index.json", "safetensors"),
        ("pytorch_model.bin.index.json", "bin"),
    ):
        index = base_dir / index_name
        if index.is_file():
            weight_map = json.loads(index.read_text())["weight_map"]
            return sorted(set(weight_map.values())), weight_map, kind
    if (base_dir / "model.safetensors").is_file():
        return ["model.safetensors"], None, "safetensors"
    if (base_dir / "pytorch_model.bin").is_file():
        return ["pytorch_model.bin"], None, "bin"
    raise TrainError(f"no weights found in {base_dir}", "base_model must be a transformers checkpoint folder")


def _load_shard(path: Path, kind: str) -> dict[str, Any]:
    if kind == "safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    import torch

    return torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)


def merge_adapter(
    base_dir: str | Path,
    adapter_dir: str | Path,
    out_dir: str | Path,
    *,
    tokenizer_dir: str | Path | None = None,
    on_shard: Callable[[str, int, int], None] | None = None,
    overwrite: bool = False,
) -> MergeResult:
    """Merge the LoRA adapter in ``adapter_dir`` into the checkpoint ``base_dir``; write ``out_dir``.

    Weights keep the base dtype. The tokenizer comes from ``tokenizer_dir`` (default: the adapter
    folder when it holds one, else the base), as does ``yc_template.json``. ``on_shard(name, i, n)``
    reports progress. Writes to a staging sibling and swaps yc's files in, so ``out_dir`` is never
    half-written and files yc did not write are never removed (``overwrite`` lets yc write into a
    non-empty folder it did not create). Raises :class:`TrainError` for adapters this merge cannot
    express, and :class:`yc_curate.outputs.OutputExistsError` for a folder it must not write into.
    """
    import torch
    from safetensors.torch import save_file

    from yc_curate.outputs import staged_output
    from yc_train.artefacts import finish_model_folder

    base_dir, adapter_dir, out_dir = Path(base_dir), Path(adapter_dir), Path(out_dir)
    config, tensors = _read_adapter(adapter_dir)
    deltas, replace = _plan(config, tensors)
    fan_in_fan_out = bool(config.get("fan_in_fan_out"))
    shards, _, kind = _base_shards(base_dir)
    model_config = json.loads((base_dir / "config.json").read_text())

    new_map: dict[str, str] = {}
    merged = replaced = 0
    dtype_name = ""
    pending = dict(replace)
    out_shards: list[str] = []
    with staged_output(out_dir, overwrite=overwrite) as tmp:
        for i, shard in enumerate(shards):
            state = _load_shard(base_dir / shard, kind)
            for key in list(state):
                t = state[key]
                if not dtype_name and t.is_floating_point():
                    dtype_name = str(t.dtype).removeprefix("torch.")
                if key in pending:
                    new = pending.pop(key).to(t.dtype)
                    state[key] = new.contiguous()
                    replaced += 1
                    t = state[key]
                if key in deltas:
                    d = _delta(deltas[key], fan_in_fan_out)
                    if tuple(d.shape) != tuple(t.shape):
                        raise TrainError(
                            f"adapter shape {tuple(d.shape)} does not fit {key} {tuple(t.shape)}",
                            "the adapter was trained on a different base_model",
                        )
                    state[key] = _merged(t, d, deltas[key].get("magnitude_vector")).to(t.dtype).contiguous()
                    merged += 1
                else:
                    state[key] = t.contiguous()
            if i == len(shards) - 1 and pending:
                # e.g. lm_head saved by modules_to_save while the base ties it to the embeddings
                for key, t in pending.items():
                    state[key] = t.to(getattr(torch, dtype_name or "float32")).contiguous()
                    replaced += 1
                if any(k.endswith("lm_head.weight") for k in pending) and model_config.get(
                    "tie_word_embeddings"
                ):
                    model_config["tie_word_embeddings"] = False
                pending = {}
            name = (
                shard
                if kind == "safetensors"
                else shard.replace("pytorch_model", "model").replace(".bin", ".safetensors")
            )
            save_file(state, str(tmp / name), metadata={"format": "pt"})
            new_map.update(dict.fromkeys(state, name))
            out_shards.append(name)
            del state
            if on_shard:
                on_shard(name, i + 1, len(shards))
        done = {k for k in deltas if k in new_map}
        missing = sorted(set(deltas) - done)
        if missing:
            raise TrainError(
                f"{len(missing)} adapter weight(s) have no base weight, e.g. {missing[0]}",
                "the adapter was trained on a different base_model",
            )
        _embed_vocab(model_config, new_map, tmp)
        model_config.pop("quantization_config", None)
        model_config["dtype"] = dtype_name or model_config.get("dtype")
        (tmp / "config.json").write_text(json.dumps(model_config, indent=2))
        if len(out_shards) > 1:
            total = sum((tmp / s).stat().st_size for s in out_shards)
            index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(new_map.items()))}
            (tmp / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
        _copy_side_files(base_dir, adapter_dir, Path(tokenizer_dir) if tokenizer_dir else None, tmp)
        _generation_config(tmp)
        finish_model_folder(tmp)
    log.info("merged %d LoRA modules (%d tensors replaced) into %s", merged, replaced, out_dir)
    return MergeResult(out_dir, out_shards, merged, replaced, dtype_name)


def _embed_vocab(model_config: dict[str, Any], weight_map: dict[str, str], folder: Path) -> None:
    """Keep ``vocab_size`` in step with an embedding the adapter resized (new special tokens)."""
    key = next((k for k in weight_map if k.endswith("embed_tokens.weight") or k.endswith("wte.weight")), None)
    if key is None:
        return
    from safetensors import safe_open

    with safe_open(str(folder / weight_map[key]), "pt") as f:
        rows = f.get_slice(key).get_shape()[0]
    if model_config.get("vocab_size") and rows != model_config["vocab_size"]:
        model_config["vocab_size"] = rows


def _generation_config(folder: Path) -> None:
    """Make the generation config stop at the tokenizer's EOS (training may have set a new one)."""
    gen_file = folder / "generation_config.json"
    gen = json.loads(gen_file.read_text()) if gen_file.is_file() else {}
    try:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(folder))
    except Exception as err:  # no tokenizer files: leave the base's config as it is
        log.warning("merged folder has no loadable tokenizer (%s); generation config unchanged", err)
        return
    eos = gen.get("eos_token_id")
    ids = list(eos) if isinstance(eos, list) else ([] if eos is None else [eos])
    if tok.eos_token_id is not None and tok.eos_token_id not in ids:
        ids.insert(0, tok.eos_token_id)
    if ids:
        gen["eos_token_id"] = ids[0] if len(ids) == 1 else ids
    for key, value in (("bos_token_id", tok.bos_token_id), ("pad_token_id", tok.pad_token_id)):
        if value is not None:
            gen.setdefault(key, value)
    gen_file.write_text(json.dumps(gen, indent=2) + "\n")


def _copy_side_files(base_dir: Path, adapter_dir: Path, tokenizer_dir: Path | None, out: Path) -> None:
    tok_src = tokenizer_dir or (
        adapter_dir if (adapter_dir / "tokenizer_config.json").is_file() else base_dir
    )
    for name in TOKENIZER_FILES:
        src = tok_src / name
        if src.is_file():
            shutil.copy2(src, out / name)
    gen = adapter_dir / "generation_config.json"
    gen = gen if gen.is_file() else base_dir / "generation_config.json"
    if gen.is_file():
        shutil.copy2(gen, out / "generation_config.json")
    for folder in (adapter_dir, adapter_dir.parent, base_dir):
        if (folder / TEMPLATE_FILE).is_file():
            shutil.copy2(folder / TEMPLATE_FILE, out / TEMPLATE_FILE)
            break
