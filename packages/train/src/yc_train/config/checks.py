"""Cross-field rules of the training config, and the did-you-mean helper.

:func:`conflicts` works on a plain mapping (raw YAML values or a model dump) and tolerates wrong types,
so the loader can report conflicts in the same pass as field errors instead of one at a time.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

# transformers' OptimizerNames and SchedulerType values (listed here so validation needs no transformers import).
OPTIMIZERS = (
    "adamw_torch", "adamw_torch_fused", "adamw_torch_xla", "adamw_torch_npu_fused", "adafactor",
    "adamw_anyprecision", "adamw_torch_4bit", "adamw_torch_8bit", "ademamix", "sgd", "adagrad",
    "adamw_bnb_8bit", "adamw_8bit", "ademamix_8bit", "lion_8bit", "lion_32bit", "paged_adamw_32bit",
    "paged_adamw_8bit", "paged_ademamix_32bit", "paged_ademamix_8bit", "paged_lion_32bit", "paged_lion_8bit",
    "rmsprop", "rmsprop_bnb", "rmsprop_bnb_8bit", "rmsprop_bnb_32bit", "galore_adamw", "galore_adamw_8bit",
    "galore_adafactor", "galore_adamw_layerwise", "galore_adamw_8bit_layerwise", "galore_adafactor_layerwise",
    "lomo", "adalomo", "grokadamw", "schedule_free_radam", "schedule_free_adamw", "schedule_free_sgd",
    "apollo_adamw", "apollo_adamw_layerwise", "stable_adamw",
)  # fmt: skip
LR_SCHEDULERS = (
    "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
    "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr", "cosine_warmup_with_min_lr",
    "warmup_stable_decay", "greedy",
)  # fmt: skip
# Names Axolotl accepts that yc does not implement: refused with a clear message, not a did-you-mean.
AXOLOTL_ONLY = {
    "optimizer": ("adamw_hf", "optimi_adamw", "ao_adamw_8bit", "ao_adamw_4bit", "ao_adamw_fp8", "muon", "came_pytorch"),
    "lr_scheduler": ("one_cycle", "rex", "log_sweep"),
}  # fmt: skip


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a near miss (a typo or a dropped letter), or an empty string.

    The bar is high on purpose: a suggestion that shares only a suffix (``pretraining_dataset`` ->
    ``learning_rate``) misleads more than it helps.
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.85)
    return f" (did you mean '{close[0]}'?)" if close else ""


def is_on(value: Any) -> bool:
    """Truthiness of a raw YAML value: true, "true", "yes", 1 are on; blank, false, "false", 0 are off."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def _set(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _adapter(value: Any) -> str | None:
    if not _set(value) or value is False:
        return None
    text = str(value).strip().lower()
    return None if text in ("none", "full", "false") else text


def conflicts(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems that involve more than one key, as ``(key_path, message)``; empty when consistent."""
    v = values
    out: list[tuple[str, str]] = []
    for a, b, why in (
        ("warmup_steps", "warmup_ratio", "set only one way to size the warm-up"),
        ("evals_per_epoch", "eval_steps", "set only one evaluation cadence"),
        ("saves_per_epoch", "save_steps", "set only one checkpoint cadence"),
        ("deepspeed", "fsdp", "choose DeepSpeed or FSDP, not both"),
    ):
        if _set(v.get(a)) and _set(v.get(b)) and v.get(b) is not False:
            out.append((b, f"conflicts with {a}: {why}"))
    adapter = _adapter(v.get("adapter"))
    four, eight = is_on(v.get("load_in_4bit")), is_on(v.get("load_in_8bit"))
    if four and eight:
        out.append(("load_in_8bit", "conflicts with load_in_4bit: choose one quantization"))
    if adapter == "qlora" and not four:
        out.append(("load_in_4bit", "adapter qlora needs load_in_4bit: true"))
    if adapter == "lora" and four:
        out.append(("adapter", "load_in_4bit with adapter lora: use adapter: qlora"))
    targets = any(bool(v.get(k)) for k in ("lora_target_modules", "lora_target_parameters")) or is_on(
        v.get("lora_target_linear")
    )
    if adapter and not targets and not _set(v.get("lora_model_dir")):
        out.append(
            (
                "lora_target_modules",
                "a LoRA needs targets: list lora_target_modules or set lora_target_linear: true",
            )
        )
    if adapter is None and (four or eight):
        out.append(
            ("adapter", "a quantized base model cannot be trained in full: set adapter: lora or qlora")
        )
    if _set(v.get("unfrozen_parameters")) and adapter:
        out.append(
            (
                "unfrozen_parameters",
                "applies to a full fine-tune (adapter unset); with LoRA use lora_modules_to_save",
            )
        )
    if _set(v.get("test_datasets")) and _num(v.get("val_set_size")) > 0:
        out.append(("val_set_size", "conflicts with test_datasets (the evaluation set): set val_set_size: 0"))
    if _num(v.get("eval_sequence_len")) > _num(v.get("sequence_len") or 2048):
        out.append(("eval_sequence_len", "is longer than sequence_len: yc tokenizes to at most sequence_len"))
    inner = v.get("fsdp_config") if isinstance(v.get("fsdp_config"), Mapping) else {}
    outer, nested = v.get("fsdp_version"), inner.get("fsdp_version", inner.get("version"))
    if _set(outer) and _set(nested) and str(outer) != str(nested):
        out.append(("fsdp_version", f"conflicts with fsdp_config's version {nested}: keep one"))
    if is_on(v.get("bf16")) and str(v.get("bf16")).strip().lower() != "auto" and is_on(v.get("fp16")):
        out.append(("fp16", "conflicts with bf16: true: choose one half-precision type"))
    legacy = [k for k in ("flash_attention", "xformers_attention", "sdp_attention", "flex_attention", "eager_attention")
              if is_on(v.get(k))]  # fmt: skip
    if len(legacy) > 1:
        out.append(
            (legacy[1], f"conflicts with {legacy[0]}: set one attention option (or attn_implementation)")
        )
    impl = v.get("attn_implementation")
    if _set(impl) and legacy:
        wanted = {"flash_attention": "flash_attention_2", "sdp_attention": "sdpa", "xformers_attention": "sdpa",
                  "flex_attention": "flex_attention", "eager_attention": "eager"}[legacy[0]]  # fmt: skip
        if wanted != impl:
            out.append((legacy[0], f"conflicts with attn_implementation: {impl}: drop the legacy flag"))
    return out


def advice(values: Mapping[str, Any]) -> list[str]:
    """Soft problems worth a warning (the config still runs)."""
    v = values
    notes: list[str] = []
    adapter = _adapter(v.get("adapter"))
    lora_keys = [
        k for k in ("lora_target_modules", "lora_target_linear", "lora_model_dir") if is_on(v.get(k))
    ]
    if adapter is None and lora_keys:
        notes.append(
            f"{lora_keys[0]} is set but adapter is unset (full fine-tune): the LoRA keys are ignored"
        )
    if is_on(v.get("early_stopping_patience")) and not (
        _set(v.get("test_datasets")) or (_set(v.get("val_set_size")) and _num(v.get("val_set_size")) > 0)
    ):
        notes.append("early_stopping_patience needs an evaluation set (val_set_size > 0 or test_datasets)")
    if is_on(v.get("sample_packing")) and is_on(v.get("group_by_length")):
        notes.append("group_by_length has no effect with sample_packing")
    if is_on(v.get("xformers_attention")):
        notes.append("xformers_attention: yc uses sdpa (the same attention without xformers)")
    return notes


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
