"""What the training run's settings come from in the config: cadences, kept rows, FSDP, optimizer arguments.

Pure functions of the typed config (and row lengths), so each rule is testable without a model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from yc_train.errors import TrainError

if TYPE_CHECKING:
    from yc_train.config import TrainConfig


def steps_per_epoch(n_items: int, micro: int, accum: int, world: int) -> int:
    return max(1, math.ceil(math.ceil(n_items / max(1, micro * world)) / max(1, accum)))


def cadence(
    per_epoch: int | None, steps: float | None, steps_per_epoch: int, strategy: str | None = None
) -> tuple[str, float | None]:
    """(strategy, steps) for transformers: an explicit no / epoch wins, else steps or N per epoch."""
    if strategy in ("no", "epoch"):
        return strategy, None
    if steps:
        return "steps", steps
    if per_epoch:
        return "steps", max(1, steps_per_epoch // per_epoch)
    return ("epoch", None) if strategy == "steps" else ("no", None)


def best_model_metric(cfg: TrainConfig, eval_strategy: str) -> str:
    """The metric that picks the best checkpoint ('' when load_best_model_at_end is off)."""
    if not cfg.load_best_model_at_end and cfg.save_strategy != "best":
        return ""
    if eval_strategy == "no":
        raise TrainError(
            "load_best_model_at_end needs evaluations",
            "set val_set_size or test_datasets, and evals_per_epoch or eval_steps",
        )
    return cfg.metric_for_best_model or "eval_loss"


def kept_rows(lengths: list[int], min_len: int, max_len: int) -> list[int]:
    """Indices of rows with min_len <= tokens <= max_len (min_sample_len, eval_sequence_len)."""
    return [i for i, n in enumerate(lengths) if min_len <= n <= max_len]


def packed_groups(lengths: list[int], keep: list[int], seq_len: int, pack: Any) -> list[list[int]]:
    """Pack only the kept rows; groups refer to the original row indices."""
    return [[keep[j] for j in group] for group in pack([lengths[i] for i in keep], seq_len)]


def optim_args_text(value: str | dict[str, Any] | None) -> str | None:
    """transformers wants ``"k=v,k=v"``; Axolotl also takes a mapping."""
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return value


def or_default(value: float | None, default: float) -> float:
    return default if value is None else value
