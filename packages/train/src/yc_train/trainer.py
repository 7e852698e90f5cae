"""yc's HF Trainer: loss over the whole accumulated batch, tokens/s, packed bins run one by one, LR groups.

``trainer_class()`` builds the class lazily (importing transformers only when training).
"""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yc_train.config import TrainConfig


def trainer_class():
    import torch
    from transformers import Trainer
    from transformers.trainer_pt_utils import LengthGroupedSampler

    class YcTrainer(Trainer):
        """HF Trainer with yc's loss (normalised by labelled tokens over the whole accumulated batch) and tokens/s."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.model_accepts_loss_kwargs = True  # our forward divides by num_items_in_batch itself
            self._tokens = 0
            self._tokens_at_log = 0
            self._time_at_log = time.perf_counter()
            self.yc_cfg: TrainConfig | None = None  # set by train(): LR groups and length grouping
            self.yc_lengths: list[int] | None = None

        def create_optimizer(self, model=None):  # type: ignore[override]
            cfg = self.yc_cfg
            special = cfg is not None and (
                cfg.loraplus_lr_ratio or cfg.embedding_lr or cfg.embedding_lr_scale
            )
            if self.optimizer is None and special:
                from yc_train.optim_groups import embedding_groups, loraplus_groups

                target = self.model if model is None else model
                cls, kwargs = Trainer.get_optimizer_cls_and_kwargs(self.args, target)
                decay = set(self.get_decay_parameter_names(target))
                lr, wd = self.args.learning_rate, self.args.weight_decay
                groups = (
                    loraplus_groups(target, decay, lr, wd, cfg.loraplus_lr_ratio, cfg.loraplus_lr_embedding)
                    if cfg.loraplus_lr_ratio
                    else embedding_groups(
                        target.named_parameters(), decay, lr, wd, cfg.embedding_lr, cfg.embedding_lr_scale
                    )
                )
                self.optimizer = cls(groups, **kwargs)
            return super().create_optimizer(model)

        def _get_train_sampler(self, train_dataset=None):  # type: ignore[override]
            if self.yc_lengths is None:
                return super()._get_train_sampler(train_dataset)
            batch = self.args.train_batch_size * self.args.gradient_accumulation_steps
            return LengthGroupedSampler(batch, lengths=self.yc_lengths)

        def training_step(self, model, inputs, num_items_in_batch=None):  # type: ignore[override]
            mask = inputs.get("attention_mask")
            self._tokens += int(mask.sum()) if mask is not None else int(inputs["input_ids"].numel())
            bounds = inputs.pop("bin_bounds", None)
            if not bounds or len(bounds) <= 2 or self.args.world_size > 1:
                return super().training_step(model, inputs, num_items_in_batch)
            # one process: run the packed bins of this micro batch one after another (same gradients, since
            # each part is normalised by the whole step's token count) so activations exist for one bin only
            total = None
            for a, b in itertools.pairwise(bounds):
                part = _slice_bin(inputs, a, b)
                loss = super().training_step(model, part, num_items_in_batch)
                total = loss if total is None else total + loss
            return total

        def log(self, logs: dict[str, float], start_time: float | None = None) -> None:  # type: ignore[override]
            if "loss" in logs:
                now = time.perf_counter()
                world = max(1, self.args.world_size)
                done = (self._tokens - self._tokens_at_log) * world
                logs["tokens_per_s"] = round(done / max(now - self._time_at_log, 1e-9), 2)
                logs["tokens"] = self._tokens * world
                self._tokens_at_log, self._time_at_log = self._tokens, now
            super().log(logs, start_time)

        def _save_checkpoint(self, model, trial):  # type: ignore[override]
            super()._save_checkpoint(model, trial)
            torch.cuda.empty_cache() if torch.cuda.is_available() else None

    return YcTrainer


def _slice_bin(inputs: dict[str, Any], a: int, b: int) -> dict[str, Any]:
    """The tokens [a, b) of a flat packed row (whole samples), with cu_seq_lens rebased."""
    part = {k: inputs[k][:, a:b] for k in ("input_ids", "position_ids", "labels", "shift_labels")}
    cu = inputs.get("cu_seq_lens_q")
    if cu is not None:
        sub = cu[(cu >= a) & (cu <= b)] - a
        part.update(
            cu_seq_lens_q=sub,
            cu_seq_lens_k=sub,
            max_length_q=int((sub[1:] - sub[:-1]).max()),
            max_length_k=int((sub[1:] - sub[:-1]).max()),
        )
    return part
