"""Tokenizer, precision, attention kernel and model (full, LoRA, QLoRA) for a training config.

Speed-only features fall back with a warning where the machine lacks them (flash-attn -> per-document sdpa,
8-bit / paged optimizers on CPU -> AdamW); features that change results (fp16 without a GPU, QLoRA without a
working 4-bit kernel, packing for architectures it cannot isolate) fail with a one-line reason.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from yc_train.errors import TrainError
from yc_train.packing import PACKING_UNSAFE

log = logging.getLogger(__name__)

BNB_OPTIMIZERS = ("bnb", "8bit", "paged", "lion_32bit")


def _c(cfg: Any, key: str, default: Any = None) -> Any:
    v = cfg.get(key) if isinstance(cfg, dict) else getattr(cfg, key, None)
    return default if v is None else v


def has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def resolve_precision(cfg: Any, warnings: list[str]) -> tuple[Any, bool, bool]:
    """(model dtype, bf16 autocast, fp16 autocast): ``bf16: auto`` -> bf16 on a GPU that supports it, else fp32."""
    import torch

    bf16, fp16 = _c(cfg, "bf16", "auto"), bool(_c(cfg, "fp16", False))
    if fp16:
        if not has_cuda():
            raise TrainError(
                "fp16 needs a CUDA GPU (it changes results, so yc does not fall back)",
                "set fp16: false and bf16: auto",
            )
        return torch.float16, False, True
    if bf16 == "auto":
        # CPU: fp32. Measured on an AVX512-BF16/AMX CPU, a bf16 LoRA step with yc's per-document attention
        # took 2.1x as long as fp32 (37.5 s vs 18.1 s for 4 demo steps); `bf16: true` still forces it.
        bf16 = has_cuda() and torch.cuda.is_bf16_supported()
    elif bf16 and has_cuda() and not torch.cuda.is_bf16_supported():
        raise TrainError("bf16 is not supported on this GPU", "set bf16: auto (fp32) or fp16: true")
    if _c(cfg, "tf32", False):
        if has_cuda():
            torch.backends.cuda.matmul.allow_tf32 = True
        else:
            warnings.append("tf32 only applies to CUDA GPUs; ignored here")
    return (torch.bfloat16 if bf16 else torch.float32), bool(bf16), False


def resolve_attention(cfg: Any, model_type: str, packing: bool, warnings: list[str]) -> str:
    """The attention kernel to use, logged with the reason (see :mod:`yc_train.kernels` for the rules)."""
    from yc_train import attention, kernels

    want = cfg.resolved_attn_implementation()
    explicit = any(
        (
            cfg.attn_implementation,
            cfg.flash_attention,
            cfg.sdp_attention,
            cfg.flex_attention,
            cfg.eager_attention,
        )
    )
    if cfg.xformers_attention or want == "xformers":
        warnings.append("xformers_attention: yc uses sdpa (same maths)")
        want, explicit = "sdpa", False
    if want == "flex_attention" and not has_cuda():
        raise TrainError("flex_attention has no backward pass on CPU", "set attn_implementation: sdpa")
    flash_impl = want if want.startswith("flash_attention") else "flash_attention_2"
    flash = kernels.find_flash_kernel(flash_impl, has_cuda())
    choice = kernels.choose_attention(
        want, explicit, model_type, packing, flash, attention.VARLEN_MODEL_TYPES
    )
    if choice.name == attention.NAME:
        attention.register()
    if choice.warning:
        warnings.append(choice.warning)
    log.info("attention: %s", choice.reason)
    return choice.name


def model_source_error(src: Any, err: BaseException) -> TrainError:
    """Why a model/tokenizer source could not be loaded, in the words of the fix."""
    import os

    path = Path(str(src)).expanduser()
    if path.is_absolute() or str(src).startswith((".", "~")) or path.exists():
        if not path.exists():
            return TrainError(
                f"base_model folder '{src}' does not exist",
                "fix the path in base_model (--set base_model=PATH)",
            )
        return TrainError(
            f"cannot load a model from '{src}': {str(err).splitlines()[0][:160]}",
            "check the folder holds a Hugging Face model",
        )
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    if (
        offline
        or "offline" in str(err).lower()
        or "connect" in str(err).lower()
        or "resolve" in str(err).lower()
    ):
        return TrainError(
            f"base model '{src}' is not cached and cannot be downloaded"
            + (" (HF_HUB_OFFLINE is set)" if offline else ""),
            "point base_model at a local folder (--set base_model=PATH) or allow downloading (unset HF_HUB_OFFLINE)",
        )
    return TrainError(
        f"cannot load base_model '{src}': {str(err).splitlines()[0][:160]}",
        "check the Hub id (and HF_TOKEN for gated models)",
    )


def load_tokenizer(cfg: Any) -> tuple[Any, int]:
    """The fast tokenizer with the config's special tokens / tokens / chat template; returns (tokenizer, added)."""
    from transformers import AutoTokenizer

    src = _c(cfg, "tokenizer_config") or _c(cfg, "base_model")
    try:
        tok = AutoTokenizer.from_pretrained(
            src, use_fast=True, trust_remote_code=bool(_c(cfg, "trust_remote_code", False))
        )
    except OSError as err:
        raise model_source_error(src, err) from err
    added = 0
    special = _c(cfg, "special_tokens")
    if special is not None:
        spec = (
            special.model_dump(exclude_none=True)
            if hasattr(special, "model_dump")
            else {k: v for k, v in dict(special).items() if v}
        )
        extra = spec.pop("additional_special_tokens", None)
        if spec:
            added += tok.add_special_tokens(spec)
        if extra:
            added += tok.add_special_tokens({"additional_special_tokens": list(extra)})
    if _c(cfg, "tokens"):
        added += tok.add_tokens(list(_c(cfg, "tokens")))
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token or tok.unk_token
    from yc_train.data.templates import set_tokenizer_template

    set_tokenizer_template(tok, cfg.chat_template, cfg.chat_template_jinja, cfg.default_system_message)
    return tok, added


def _bnb_config(cfg: Any, compute_dtype: Any) -> Any:
    try:
        import bitsandbytes  # noqa: F401
        from transformers import BitsAndBytesConfig
    except (ModuleNotFoundError, RuntimeError) as err:
        from yc_train.errors import TrainError as _E

        raise _E(
            f"QLoRA / 8-bit loading needs bitsandbytes ({err})",
            "install it: uv pip install 'yc-train[qlora]'",
        ) from err
    if _c(cfg, "load_in_4bit"):
        kwargs = {
            "load_in_4bit": True,
            "bnb_4bit_quant_type": "nf4",
            "bnb_4bit_use_double_quant": True,
            "bnb_4bit_compute_dtype": compute_dtype,
            **(_c(cfg, "bnb_config_kwargs") or {}),
        }
        return BitsAndBytesConfig(**kwargs)
    return BitsAndBytesConfig(load_in_8bit=True)


def disable_cpu_4bit_repacking(model: Any) -> int:
    """Stop bitsandbytes repacking 4-bit weights for its CPU bf16 kernel in no-grad passes.

    After such a repack (any eval pass), backward through the base weights silently drops gradients.
    """
    n = 0
    for mod in model.modules():
        if hasattr(mod, "support_avx512bf16_for_cpu"):
            mod.support_avx512bf16_for_cpu = False
            n += 1
    return n


def load_model(cfg: Any, tokenizer: Any, added_tokens: int, attn: str, dtype: Any) -> Any:
    """The model ready to train: quantized if asked, embeddings resized, LoRA/QLoRA attached or all trainable."""
    import torch
    from transformers import AutoModelForCausalLM

    adapter = _c(cfg, "adapter")
    quant = None
    if _c(cfg, "load_in_4bit") or _c(cfg, "load_in_8bit"):
        if not adapter:
            raise TrainError(
                "4/8-bit base weights need an adapter (they cannot be trained directly)", "set adapter: qlora"
            )
        quant = _bnb_config(cfg, dtype)
    elif adapter == "qlora":
        raise TrainError(
            "adapter: qlora needs load_in_4bit: true", "set load_in_4bit: true (or adapter: lora)"
        )
    kwargs: dict[str, Any] = {"dtype": dtype, "attn_implementation": attn}
    if quant is not None:
        kwargs["quantization_config"] = quant
        kwargs["device_map"] = {"": torch.cuda.current_device() if has_cuda() else "cpu"}
    try:
        model = AutoModelForCausalLM.from_pretrained(
            _c(cfg, "base_model"), trust_remote_code=bool(_c(cfg, "trust_remote_code", False)), **kwargs
        )
    except OSError as err:
        raise model_source_error(_c(cfg, "base_model"), err) from err
    except (RuntimeError, ValueError, ImportError) as err:
        if quant is not None:
            raise TrainError(
                f"4/8-bit loading cannot run on this device: {str(err).splitlines()[0][:160]}",
                "use adapter: lora with load_in_4bit: false, or run on a CUDA GPU",
            ) from err
        raise
    model.config.use_cache = False  # a KV cache would let packed samples see each other
    if added_tokens or len(tokenizer) > model.get_input_embeddings().weight.shape[0]:
        model.resize_token_embeddings(len(tokenizer), mean_resizing=True)
    if model.config.model_type in PACKING_UNSAFE and _c(cfg, "sample_packing"):
        raise TrainError(
            f"sample packing is not exact for {model.config.model_type}", "set sample_packing: false"
        )
    if quant is not None:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=bool(_c(cfg, "gradient_checkpointing")),
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
        if not has_cuda():
            disable_cpu_4bit_repacking(model)
    if not adapter:
        return model
    return attach_lora(cfg, model, resized=bool(added_tokens))


def attach_lora(cfg: Any, model: Any, resized: bool) -> Any:
    """LoRA on the config's target modules (or all linear layers); new embeddings train via modules_to_save."""
    from peft import LoraConfig, PeftModel, get_peft_model

    if _c(cfg, "lora_model_dir"):
        return PeftModel.from_pretrained(model, _c(cfg, "lora_model_dir"), is_trainable=True)
    targets: Any = list(_c(cfg, "lora_target_modules") or [])
    if _c(cfg, "lora_target_linear"):
        targets = "all-linear"
    if not targets:
        raise TrainError(
            "LoRA has no target modules", "set lora_target_linear: true or list lora_target_modules"
        )
    to_save = list(_c(cfg, "lora_modules_to_save") or [])
    if resized:
        for module in (model.get_input_embeddings(), model.get_output_embeddings()):
            name = next((n for n, m in model.named_modules() if m is module), None)
            if name and name.split(".")[-1] not in to_save:
                to_save.append(name.split(".")[-1])
    lcfg = LoraConfig(
        r=int(_c(cfg, "lora_r", 8)),
        lora_alpha=float(_c(cfg, "lora_alpha", 16)),
        lora_dropout=float(_c(cfg, "lora_dropout", 0.0)),
        target_modules=targets,
        modules_to_save=to_save or None,
        fan_in_fan_out=bool(_c(cfg, "lora_fan_in_fan_out", False)),
        use_dora=bool(_c(cfg, "peft_use_dora", False)),
        use_rslora=bool(_c(cfg, "peft_use_rslora", False)),
        bias="none",
        task_type="CAUSAL_LM",
        ensure_weight_tying=bool(getattr(model.config, "tie_word_embeddings", False)) and bool(to_save),
    )
    try:
        return get_peft_model(model, lcfg)
    except ValueError as err:
        if "lora_dropout" in str(err):  # fused MoE experts are adapted as parameters, which take no dropout
            raise TrainError(
                f"{model.config.model_type}: LoRA on fused expert weights cannot use lora_dropout",
                "set lora_dropout: 0",
            ) from err
        raise


def resolve_optimizer(cfg: Any, warnings: list[str]) -> str:
    """transformers' optimizer name; 8-bit / paged bitsandbytes optimizers fall back to AdamW without CUDA."""
    name = str(_c(cfg, "optimizer", "adamw_torch"))
    if any(k in name for k in BNB_OPTIMIZERS) and not has_cuda():
        warnings.append(
            f"optimizer {name} needs a CUDA GPU for its 8-bit/paged states here; using adamw_torch"
        )
        return "adamw_torch"
    if name == "adamw_torch_fused" and not has_cuda():
        return "adamw_torch"
    return name
