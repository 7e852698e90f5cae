"""Optional GPU kernels: which attention kernel runs (and why), and Liger's fused kernels.

Attention: transformers runs packed rows through flash-attention's varlen path when a flash kernel exists,
either the locally built ``flash-attn`` package or the Hub kernel (``kernels`` package) that transformers
substitutes for ``flash_attention_2`` when ``flash-attn`` is missing. The Hub kernel is only counted when it
is already in the Hugging Face cache: yc never downloads a kernel behind the user's back. Without a flash
kernel, packed rows use yc's per-document sdpa (``yc_varlen``). A kernel the user named is used as named;
only an unavailable flash kernel is replaced (speed only, same results), with a warning.

Liger: the ``liger_*`` keys patch RoPE, RMSNorm, LayerNorm and the SwiGLU MLP of a loaded model through
liger-kernel's own API, and route yc's fused linear cross-entropy through Liger's kernel. Liger is Triton,
so it needs CUDA; elsewhere the keys warn and training runs without them.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# package transformers imports for each flash implementation, and the Hub kernel it substitutes without it
FLASH_PACKAGES = {"flash_attention_2": "flash_attn", "flash_attention_3": "flash_attn_interface"}
HUB_FLASH_KERNELS = {
    "flash_attention_2": "kernels-community/flash-attn2",
    "flash_attention_3": "kernels-community/vllm-flash-attn3",
}
LIGER_KEYS = {  # config key -> keyword of liger's apply_liger_kernel_to_<model_type>
    "liger_rope": "rope",
    "liger_rms_norm": "rms_norm",
    "liger_layer_norm": "layer_norm",
    "liger_glu_activation": "swiglu",
    "liger_swiglu": "swiglu",
}
LIGER_LOSS_KEYS = ("liger_cross_entropy", "liger_fused_linear_cross_entropy")


@dataclass(frozen=True)
class FlashKernel:
    """Whether a flash implementation can run here: ``source`` names where it comes from, else ``why_not``."""

    impl: str
    source: str | None
    why_not: str | None = None


@dataclass(frozen=True)
class AttentionChoice:
    """The attention implementation handed to transformers, the reason logged, and a fallback warning if any."""

    name: str
    reason: str
    warning: str | None = None


def hub_kernel_cached(repo_id: str, cache_dir: str | Path | None = None) -> bool:
    """Whether a Hub kernel repo has a snapshot in the local Hugging Face cache (no network)."""
    if cache_dir is None:
        from huggingface_hub.constants import HF_HUB_CACHE

        cache_dir = HF_HUB_CACHE
    snapshots = Path(cache_dir) / f"models--{repo_id.replace('/', '--')}" / "snapshots"
    return snapshots.is_dir() and any(snapshots.iterdir())


def find_flash_kernel(impl: str, cuda: bool, cache_dir: str | Path | None = None) -> FlashKernel:
    """Where ``impl`` (flash_attention_2/3) would come from on this machine, without downloading anything."""
    if not cuda:
        return FlashKernel(impl, None, "no CUDA device")
    package = FLASH_PACKAGES.get(impl)
    if package is None:
        return FlashKernel(impl, None, f"yc does not know {impl}")
    if importlib.util.find_spec(package) is not None:
        try:  # a build against another torch or CUDA is installed but cannot load
            importlib.import_module(package)
        except (ImportError, OSError) as err:
            return FlashKernel(impl, None, f"{package} is installed but does not load ({str(err)[:120]})")
        return FlashKernel(impl, f"the {package} package")
    repo = HUB_FLASH_KERNELS[impl]
    if importlib.util.find_spec("kernels") is None:
        return FlashKernel(
            impl,
            None,
            f"neither {package} nor the kernels package is installed (pip install 'yc-train[flash]')",
        )
    if not hub_kernel_cached(repo, cache_dir):
        return FlashKernel(
            impl,
            None,
            f"{package} is not installed and the Hub kernel {repo} is not cached (fetch it once with "
            f"`huggingface-cli download {repo}`)",
        )
    return FlashKernel(impl, f"the cached Hub kernel {repo}")


def choose_attention(
    requested: str,
    explicit: bool,
    model_type: str,
    packing: bool,
    flash: FlashKernel,
    varlen_types: frozenset[str],
) -> AttentionChoice:
    """The kernel to run. ``requested``: what the config resolves to; ``explicit``: the user named it.

    ``flash`` is the machine's flash_attention_2 (or the requested flash version) as found by
    :func:`find_flash_kernel`. Packing picks flash varlen, else yc's per-document sdpa, unless the user
    named a kernel; a named flash kernel that cannot run falls back the same way with a warning.
    """
    per_doc = packing and model_type in varlen_types
    fallback = "yc_varlen" if per_doc else "sdpa"
    fallback_why = (
        "per-document sdpa over the packed rows (yc_varlen)" if per_doc else "sdpa"
    ) + f", as {flash.impl} cannot run: {flash.why_not}"
    if "/" in requested:  # a Hub kernel named by repo id: transformers loads it through `kernels` on a GPU
        if flash.why_not != "no CUDA device":
            return AttentionChoice(requested, f"{requested} from the kernel hub (asked for)")
        return AttentionChoice(
            fallback,
            f"{fallback}: {fallback_why}",
            f"{requested} needs a CUDA GPU; using {fallback} instead (speed only, same results)",
        )
    if requested.startswith("flash_attention"):
        if flash.source:
            how = "; packed rows use its varlen path" if packing else ""
            return AttentionChoice(requested, f"{requested} from {flash.source} (asked for){how}")
        return AttentionChoice(
            fallback,
            f"{fallback}: {fallback_why}",
            f"{requested} unavailable ({flash.why_not}); using {fallback} instead (speed only, same results)",
        )
    if explicit:
        if packing and requested in ("sdpa", "eager"):
            return AttentionChoice(
                requested,
                f"{requested} (asked for); packed rows are kept apart by a block-diagonal mask over the whole "
                "row — leave attn_implementation unset to let yc pick a per-document kernel",
            )
        return AttentionChoice(requested, f"{requested} (asked for)")
    if packing and per_doc and flash.source:
        return AttentionChoice(flash.impl, f"{flash.impl} varlen from {flash.source} (packing on CUDA)")
    if per_doc:
        return AttentionChoice("yc_varlen", f"yc_varlen: {fallback_why}")
    if packing:
        return AttentionChoice(
            "sdpa", f"sdpa with a block-diagonal mask: {model_type} does not pass packed lengths to attention"
        )
    return AttentionChoice("sdpa", "sdpa (default; no packing)")


# --- Liger ------------------------------------------------------------------------------------------


def liger_requests(cfg: Any) -> tuple[dict[str, bool], bool]:
    """(keyword arguments for liger's model patch, whether the fused loss is asked for) from the config."""
    patch: dict[str, bool] = {}
    for key, kwarg in LIGER_KEYS.items():
        if getattr(cfg, key, None):
            patch[kwarg] = True
    loss = any(getattr(cfg, key, None) for key in LIGER_LOSS_KEYS)
    return patch, loss


def apply_liger(model: Any, cfg: Any, cuda: bool, warnings: list[str]) -> Callable[..., Any] | None:
    """Patch ``model`` (the base ``*ForCausalLM``) with the Liger kernels the config asks for.

    Returns Liger's fused linear cross-entropy as a ``(hidden, head, labels, softcap) -> summed loss``
    function when a loss key is set and Liger runs here, else None (yc's own fused loss is used).
    """
    patch, loss = liger_requests(cfg)
    if not patch and not loss:
        return None

    def warn(message: str) -> None:  # the recipe has printed its warnings by now: log these as they come
        warnings.append(message)
        log.warning(message)

    keys = ", ".join(k for k in (*LIGER_KEYS, *LIGER_LOSS_KEYS) if getattr(cfg, k, None))
    if not cuda:
        warn(
            f"{keys}: Liger kernels need a CUDA GPU (Triton has no CPU driver); training without them "
            "(speed only, same results)"
        )
        return None
    if importlib.util.find_spec("liger_kernel") is None:
        warn(f"{keys}: liger-kernel is not installed (pip install 'yc-train[liger]'); training without it")
        return None
    from liger_kernel.transformers import _apply_liger_kernel_to_instance
    from liger_kernel.transformers.monkey_patch import MODEL_TYPE_TO_APPLY_LIGER_FN

    model_type = model.config.model_type
    if patch:
        if model_type not in MODEL_TYPE_TO_APPLY_LIGER_FN:
            warn(f"liger-kernel has no kernels for {model_type}; training without them")
        else:
            # yc computes the loss itself (loss.py), so Liger's loss patches stay off here
            _apply_liger_kernel_to_instance(
                model, **patch, cross_entropy=False, fused_linear_cross_entropy=False
            )
            log.info("liger kernels applied to %s: %s", model_type, ", ".join(sorted(patch)))
    if not loss:
        return None
    from liger_kernel.transformers.functional import liger_fused_linear_cross_entropy

    def linear_ce(h: Any, head: Any, y: Any, softcap: float | None) -> Any:
        return liger_fused_linear_cross_entropy(
            h, head.weight, y, bias=head.bias, reduction="sum", softcap=softcap
        )

    log.info("loss: Liger's fused linear cross-entropy")
    return linear_ce
