"""Optimizer parameter groups with their own learning rates: embedding_lr(_scale) and LoRA+ (Axolotl's rules).

- ``embedding_lr`` / ``embedding_lr_scale``: trainable embedding and output-head weights (names with
  ``embed_tokens`` or ``lm_head``, or a saved embedding copy) get that rate and no weight decay.
- ``loraplus_lr_ratio``: LoRA's B matrices (and 1-d adapter parameters) learn ``ratio`` times faster than
  the A matrices; LoRA embedding layers get ``loraplus_lr_embedding`` (default 1e-6). As peft's
  ``create_loraplus_optimizer`` groups them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

LORAPLUS_EMBEDDING_LR = 1e-6


def is_embedding_param(name: str) -> bool:
    """Axolotl's test: the input embeddings, the output head, or a module saved next to an adapter."""
    return name.endswith("modules_to_save.default.weight") or "embed_tokens" in name or "lm_head" in name


def embedding_groups(
    named: Iterable[tuple[str, Any]],
    decay: set[str],
    lr: float,
    weight_decay: float,
    embedding_lr: float | None = None,
    embedding_lr_scale: float | None = None,
) -> list[dict[str, Any]]:
    """Groups for trainable parameters: decayed, embeddings (their own rate, no decay), not decayed."""
    emb_lr = lr * embedding_lr_scale if embedding_lr_scale else (embedding_lr or lr)
    groups: dict[str, list[Any]] = {"decay": [], "embeddings": [], "no_decay": []}
    for name, param in named:
        if not param.requires_grad:
            continue
        kind = "embeddings" if is_embedding_param(name) else "decay" if name in decay else "no_decay"
        groups[kind].append(param)
    settings = {"decay": (lr, weight_decay), "embeddings": (emb_lr, 0.0), "no_decay": (lr, 0.0)}
    return [
        {"params": params, "lr": settings[kind][0], "weight_decay": settings[kind][1]}
        for kind, params in groups.items()
        if params
    ]


def loraplus_groups(
    model: Any,
    decay: set[str],
    lr: float,
    weight_decay: float,
    ratio: float,
    embedding_lr: float | None = None,
) -> list[dict[str, Any]]:
    """LoRA+ groups: A matrices at ``lr``, B matrices (and 1-d params) at ``lr * ratio``, LoRA embeddings apart."""
    from peft.tuners.lora.layer import Embedding as LoraEmbedding

    owners = {f"{mod_name}.{p_name}" if mod_name else p_name: module
              for mod_name, module in model.named_modules() for p_name, _ in module.named_parameters(recurse=False)}  # fmt: skip
    groups: dict[str, list[Any]] = {"A": [], "embedding": [], "B": [], "B_no_decay": []}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if isinstance(owners.get(name), LoraEmbedding):
            groups["embedding"].append(param)
        elif "lora_B" in name or param.ndim == 1:
            groups["B" if name in decay else "B_no_decay"].append(param)
        else:
            groups["A"].append(param)
    settings = {
        "A": (lr, weight_decay),
        "embedding": (embedding_lr or LORAPLUS_EMBEDDING_LR, weight_decay),
        "B": (lr * ratio, weight_decay),
        "B_no_decay": (lr * ratio, 0.0),
    }
    return [
        {"params": params, "lr": settings[kind][0], "weight_decay": settings[kind][1]}
        for kind, params in groups.items()
        if params
    ]
