"""Tokenizer, precision, attention kernel and model (full, LoRA, QLoRA) for a training config.

Speed-only features fall back with a warning where the machine lacks them (flash-attn -> per-document sdpa,
8-bit / paged optimizers on CPU -> AdamW); features that change results (fp16 without a GPU, QLoRA without a
working 4-bit kernel, packing for architectures it cannot isolate) fail with a one-line reason.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yc_train.errors import TrainError
from yc_train.packing import PACKING_UNSAFE

if TYPE_CHECKING:
    from yc_train.config import TrainConfig

log = logging.getLogger(__name__)

BNB_OPTIMIZERS = ("bnb", "8bit", "paged", "lion_32bit")


def has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def resolve_precision(cfg: TrainConfig, warnings: list[str]) -> tuple[Any, bool, bool]:
    """(model dtype, bf16 autocast, fp16 autocast): ``bf16: auto`` -> bf16 on a GPU that supports it, else fp32."""
    import torch

    bf16, fp16 = cfg.bf16, bool(cfg.fp16)
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
    if cfg.tf32:
        if has_cuda():
            torch.backends.cuda.matmul.allow_tf32 = True
        else:
            warnings.append("tf32 only applies to CUDA GPUs; ignored here")
    return (torch.bfloat16 if bf16 else torch.float32), bool(bf16), False


def resolve_attention(cfg: TrainConfig, model_type: str, packing: bool, warnings: list[str]) -> str:
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


def transformers_class(name: str | None, default: str, key: str) -> Any:
    """``transformers.<name>`` (a model or tokenizer class named in the config), else ``transformers.<default>``."""
    import transformers

    cls = getattr(transformers, name or default, None)
    if cls is None or not hasattr(cls, "from_pretrained"):
        raise TrainError(
            f"{key} '{name}' is not a transformers class", f"remove {key} (the Auto class is used)"
        )
    return cls


def load_tokenizer(cfg: TrainConfig) -> tuple[Any, int]:
    """The tokenizer with the config's special tokens / tokens / chat template; returns (tokenizer, added)."""
    src = cfg.tokenizer_config or cfg.base_model
    cls = transformers_class(cfg.tokenizer_type, "AutoTokenizer", "tokenizer_type")
    revision = cfg.revision_of_model if cfg.tokenizer_config is None else None
    try:
        tok = cls.from_pretrained(
            src,
            use_fast=cfg.tokenizer_use_fast is not False,
            trust_remote_code=bool(cfg.trust_remote_code),
            **({"revision": revision} if revision else {}),
        )
    except OSError as err:
        raise model_source_error(src, err) from err
    added = 0
    special = cfg.special_tokens
    if special is not None:
        spec = special.model_dump(exclude_none=True, exclude={"additional_special_tokens"})
        extra = special.additional_special_tokens
        if spec:
            added += tok.add_special_tokens(spec)
        if extra:
            added += tok.add_special_tokens({"additional_special_tokens": list(extra)})
    if cfg.tokens:
        added += tok.add_tokens(list(cfg.tokens))
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token or tok.unk_token
    from yc_train.data.templates import set_tokenizer_template

    set_tokenizer_template(tok, cfg.chat_template, cfg.chat_template_jinja, cfg.default_system_message)
    return tok, added


def _bnb_config(cfg: TrainConfig, compute_dtype: Any) -> Any:
    try:
        import bitsandbytes  # noqa: F401
        from transformers import BitsAndBytesConfig
    except (ModuleNotFoundError, RuntimeError) as err:
        from yc_train.errors import TrainError as _E

        raise _E(
            f"QLoRA / 8-bit loading needs bitsandbytes ({err})",
            "install it: uv pip install 'yc-train[qlora]'",
        ) from err
    if cfg.load_in_4bit:
        kwargs = {
            "load_in_4bit": True,
            "bnb_4bit_quant_type": "nf4",
            "bnb_4bit_use_double_quant": True,
            "bnb_4bit_compute_dtype": compute_dtype,
            **(cfg.bnb_config_kwargs or {}),
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


def load_model(cfg: TrainConfig, tokenizer: Any, added_tokens: int, attn: str, dtype: Any) -> Any:
    """The model ready to train: quantized if asked, embeddings resized, LoRA/QLoRA attached or all trainable."""
    import torch
    from transformers import AutoConfig

    adapter = cfg.adapter
    quant = None
    if cfg.load_in_4bit or cfg.load_in_8bit:
        if not adapter:
            raise TrainError(
                "4/8-bit base weights need an adapter (they cannot be trained directly)", "set adapter: qlora"
            )
        quant = _bnb_config(cfg, dtype)
    elif adapter == "qlora":
        raise TrainError(
            "adapter: qlora needs load_in_4bit: true", "set load_in_4bit: true (or adapter: lora)"
        )
    hub = {"revision": cfg.revision_of_model} if cfg.revision_of_model else {}
    trust = bool(cfg.trust_remote_code)
    kwargs: dict[str, Any] = {"dtype": dtype, "attn_implementation": attn, **hub}
    if quant is not None:
        kwargs["quantization_config"] = quant
        kwargs["device_map"] = {"": torch.cuda.current_device() if has_cuda() else "cpu"}
    model_cls = transformers_class(cfg.model_type, "AutoModelForCausalLM", "model_type")
    try:
        if cfg.base_model_config or cfg.overrides_of_model_config:
            kwargs["config"] = AutoConfig.from_pretrained(
                cfg.base_model_config or cfg.base_model,
                trust_remote_code=trust,
                **({} if cfg.base_model_config else hub),
                **(cfg.overrides_of_model_config or {}),
            )
        model = model_cls.from_pretrained(
            cfg.base_model, trust_remote_code=trust, **kwargs, **(cfg.overrides_of_model_kwargs or {})
        )
    except OSError as err:
        raise model_source_error(cfg.base_model, err) from err
    except (RuntimeError, ValueError, ImportError) as err:
        if quant is not None:
            raise TrainError(
                f"4/8-bit loading cannot run on this device: {str(err).splitlines()[0][:160]}",
                "use adapter: lora with load_in_4bit: false, or run on a CUDA GPU",
            ) from err
        raise
    model.config.use_cache = False  # a KV cache would let packed samples see each other
    resize_embeddings(cfg, model, len(tokenizer))
    if model.config.model_type in PACKING_UNSAFE and cfg.sample_packing:
        raise TrainError(
            f"sample packing is not exact for {model.config.model_type}", "set sample_packing: false"
        )
    if quant is not None:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=bool(cfg.gradient_checkpointing),
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
        if not has_cuda():
            disable_cpu_4bit_repacking(model)
    if not adapter:
        if cfg.unfrozen_parameters:
            from yc_train.freeze import freeze_except

            kept = freeze_except(model, cfg.unfrozen_parameters)
            log.info(
                "unfrozen_parameters: %d of %d parameters train", len(kept), len(list(model.parameters()))
            )
        return model
    return attach_lora(cfg, model, resized=bool(added_tokens))


def resize_embeddings(cfg: TrainConfig, model: Any, vocab: int) -> int | None:
    """Resize the embeddings as Axolotl does; returns the new row count, or None when left alone.

    Grows to the tokenizer's size (rounded up to a multiple of 32 with resize_token_embeddings_to_32x);
    shrinks only with shrink_embeddings. New rows start at the mean of the old ones unless
    mean_resizing_embeddings is false.
    """
    rows = model.get_input_embeddings().weight.shape[0]
    want = math.ceil(vocab / 32) * 32 if cfg.resize_token_embeddings_to_32x else vocab
    if rows < want or (rows > want and cfg.shrink_embeddings):
        model.resize_token_embeddings(want, mean_resizing=cfg.mean_resizing_embeddings is not False)
        return want
    return None


def attach_lora(cfg: TrainConfig, model: Any, resized: bool) -> Any:
    """LoRA on the config's target modules (or all linear layers); new embeddings train via modules_to_save."""
    from peft import LoraConfig, PeftModel, get_peft_model

    if cfg.lora_model_dir:
        return PeftModel.from_pretrained(model, cfg.lora_model_dir, is_trainable=True)
    targets: Any = cfg.lora_target_modules or None  # a list of names, or one regex string
    if cfg.lora_target_linear:
        targets = "all-linear"
    if not targets and not cfg.lora_target_parameters:
        raise TrainError(
            "LoRA has no target modules", "set lora_target_linear: true or list lora_target_modules"
        )
    to_save = list(cfg.lora_modules_to_save or [])
    if resized:
        for module in (model.get_input_embeddings(), model.get_output_embeddings()):
            name = next((n for n, m in model.named_modules() if m is module), None)
            if name and name.split(".")[-1] not in to_save:
                to_save.append(name.split(".")[-1])
    lcfg = LoraConfig(
        r=int(cfg.lora_r),
        lora_alpha=float(cfg.lora_alpha),
        lora_dropout=float(cfg.lora_dropout),
        target_modules=targets,
        target_parameters=list(cfg.lora_target_parameters or []) or None,
        rank_pattern=dict(cfg.lora_rank_pattern or {}),
        alpha_pattern=dict(cfg.lora_alpha_pattern or {}),
        layers_to_transform=cfg.peft_layers_to_transform,
        layers_pattern=cfg.peft_layers_pattern,
        modules_to_save=to_save or None,
        fan_in_fan_out=bool(cfg.lora_fan_in_fan_out),
        use_dora=bool(cfg.peft_use_dora),
        use_rslora=bool(cfg.peft_use_rslora),
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
        if "not found in the base model" in str(err) or "Target modules" in str(err):
            raise TrainError(
                f"LoRA targets: {str(err).splitlines()[0][:200]}", "fix lora_target_modules"
            ) from err
        raise


def resolve_optimizer(cfg: TrainConfig, warnings: list[str]) -> str:
    """transformers' optimizer name; 8-bit / paged bitsandbytes optimizers fall back to AdamW without CUDA."""
    name = cfg.optimizer
    if any(k in name for k in BNB_OPTIMIZERS) and not has_cuda():
        warnings.append(
            f"optimizer {name} needs a CUDA GPU for its 8-bit/paged states here; using adamw_torch"
        )
        return "adamw_torch"
    if name == "adamw_torch_fused" and not has_cuda():
        return "adamw_torch"
    return name
