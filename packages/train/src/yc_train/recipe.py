"""The training recipe: config -> data -> model -> HF Trainer -> output_dir, in a straight line.

``train(cfg)`` leaves in ``output_dir``: the adapter (``adapter_model.safetensors`` + ``adapter_config.json``)
or the full model, the tokenizer, the resolved config (``yc_config.yml``), ``metrics.jsonl``, ``loss.png``
and, when the data came from a yc workspace with a ``template.json``, ``yc_template.json``.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

from yc_train.errors import TrainError

log = logging.getLogger(__name__)


def _c(cfg: Any, key: str, default: Any = None) -> Any:
    v = getattr(cfg, key, None)
    return default if v is None else v


def _trainer_class():
    import torch
    from transformers import Trainer

    class YcTrainer(Trainer):
        """HF Trainer with yc's loss (normalised by labelled tokens over the whole accumulated batch) and tokens/s."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.model_accepts_loss_kwargs = True  # our forward divides by num_items_in_batch itself
            self._tokens = 0
            self._tokens_at_log = 0
            self._time_at_log = time.perf_counter()

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


def _steps_per_epoch(n_items: int, micro: int, accum: int, world: int) -> int:
    return max(1, math.ceil(math.ceil(n_items / max(1, micro * world)) / max(1, accum)))


def _cadence(per_epoch: int | None, steps: float | None, steps_per_epoch: int) -> tuple[str, float | None]:
    if steps:
        return "steps", steps
    if per_epoch:
        return "steps", max(1, steps_per_epoch // per_epoch)
    return "no", None


def _report_to(cfg: Any, out: Path, warnings: list[str]) -> list[str]:
    report: list[str] = []
    if _c(cfg, "use_tensorboard"):
        os.environ.setdefault("TENSORBOARD_LOGGING_DIR", str(out / "runs"))
        report.append("tensorboard")
    if _c(cfg, "wandb_project"):
        env = {
            "WANDB_PROJECT": cfg.wandb_project,
            "WANDB_ENTITY": _c(cfg, "wandb_entity"),
            "WANDB_NAME": _c(cfg, "wandb_name"),
            "WANDB_WATCH": _c(cfg, "wandb_watch"),
            "WANDB_LOG_MODEL": _c(cfg, "wandb_log_model"),
            "WANDB_MODE": _c(cfg, "wandb_mode"),
            "WANDB_DIR": str(out),
        }
        for k, v in env.items():
            if v not in (None, ""):
                os.environ[k] = str(v)
        if not os.environ.get("WANDB_API_KEY") and not os.environ.get("WANDB_MODE"):
            os.environ["WANDB_MODE"] = "offline"
            warnings.append("wandb: no WANDB_API_KEY, logging offline (wandb sync later)")
        report.append("wandb")
    return report


def _world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def train(cfg: Any, console: Any = None) -> dict[str, Any]:
    """Fine-tune per ``cfg`` (a ``TrainConfig``); writes ``output_dir``; returns a metrics summary dict.

    Summary keys: output_dir, steps, first_loss, last_loss, train_loss, eval_loss, tokens, tokens_per_s,
    packing_efficiency, train_samples, val_samples, attn_implementation, precision, warnings, stopped, wall_s.
    """
    import torch
    from transformers import TrainingArguments, set_seed
    from transformers.trainer_utils import get_last_checkpoint

    from yc_train import data as data_mod
    from yc_train.callbacks import ConsoleProgress, EarlyStopping, JsonlMetrics, LossWatchdog
    from yc_train.loss import install_loss_forward
    from yc_train.model_setup import (
        load_model,
        load_tokenizer,
        resolve_attention,
        resolve_optimizer,
        resolve_precision,
    )
    from yc_train.packing import BinDataset, FlatCollator, PadCollator, pack_bfd, packing_efficiency
    from yc_train.plots import loss_plot

    t0 = time.perf_counter()
    warnings: list[str] = []
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rank0 = int(os.environ.get("RANK", "0")) == 0
    if _c(cfg, "num_threads"):
        torch.set_num_threads(int(cfg.num_threads))
    seed = int(_c(cfg, "seed", 42))
    set_seed(seed)
    from yc_train.distributed import engine_arguments

    engines = engine_arguments(cfg, torch.cuda.is_available())

    dtype, bf16, fp16 = resolve_precision(cfg, warnings)
    tokenizer, added = load_tokenizer(cfg)
    prep = data_mod.load(cfg, tokenizer)
    seq_len = int(cfg.sequence_len)
    packing = bool(_c(cfg, "sample_packing", False))

    from transformers import AutoConfig

    model_type = AutoConfig.from_pretrained(
        cfg.base_model, trust_remote_code=bool(_c(cfg, "trust_remote_code", False))
    ).model_type
    attn = resolve_attention(cfg, model_type, packing, warnings)
    optim = resolve_optimizer(cfg, warnings)
    if _c(cfg, "group_by_length") and packing:
        warnings.append("group_by_length has no effect with sample_packing (bins are already full)")

    flat = packing or attn.startswith(("flash", "yc_varlen"))
    if packing:
        train_groups = pack_bfd(prep.train.lengths(), seq_len)
        eval_pack = _c(cfg, "eval_sample_packing", True)
        val_groups = (
            pack_bfd(prep.val.lengths(), seq_len)
            if eval_pack and len(prep.val)
            else [[i] for i in range(len(prep.val))]
        )
        efficiency = packing_efficiency(prep.train.lengths(), train_groups, seq_len)
    else:
        train_groups = [[i] for i in range(len(prep.train))]
        val_groups = [[i] for i in range(len(prep.val))]
        efficiency = None
    train_ds = BinDataset(prep.train, train_groups)
    val_ds = BinDataset(prep.val, val_groups) if len(prep.val) else None
    with_cu = attn.startswith(("flash", "yc_varlen"))
    if flat:
        collator: Any = FlatCollator(prep.train, with_cu_seqlens=with_cu)
        eval_collator: Any = FlatCollator(prep.val, with_cu_seqlens=with_cu)
    else:
        pad_to = seq_len if _c(cfg, "pad_to_sequence_len") else None
        collator = PadCollator(prep.train, tokenizer.pad_token_id, pad_to)
        eval_collator = PadCollator(prep.val, tokenizer.pad_token_id, pad_to)

    for w in warnings:
        log.warning(w)
        if console is not None and rank0:
            console.print(f"[yellow]warning:[/yellow] {w}")
    eff = (
        f", packing efficiency {efficiency:.3f} ({len(train_groups)} bins)" if efficiency is not None else ""
    )
    st = prep.stats
    line = (
        f"data: {len(prep.train)} train / {len(prep.val)} val samples from {st.get('rows')} rows "
        f"({st.get('dropped_too_long', 0)} over sequence_len dropped, {st.get('split_rows', 0)} long texts split), "
        f"cache key {prep.key}{' (cached)' if prep.from_cache else ''}{eff}"
    )
    if rank0:
        log.info(line)
        if console is not None:
            console.print(line)

    model = load_model(cfg, tokenizer, added, attn, dtype)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    from yc_train.kernels import apply_liger

    install_loss_forward(base, linear_ce=apply_liger(base, cfg, torch.cuda.is_available(), warnings))

    micro, accum = int(cfg.micro_batch_size), int(cfg.gradient_accumulation_steps)
    spe = _steps_per_epoch(len(train_ds), micro, accum, _world_size())
    eval_strategy, eval_steps = _cadence(_c(cfg, "evals_per_epoch"), _c(cfg, "eval_steps"), spe)
    if val_ds is None:
        eval_strategy, eval_steps = "no", None
    save_strategy, save_steps = _cadence(_c(cfg, "saves_per_epoch"), _c(cfg, "save_steps"), spe)
    warmup: float = _c(cfg, "warmup_steps", 0) or 0
    if not warmup and _c(cfg, "warmup_ratio"):
        warmup = float(cfg.warmup_ratio)
    scheduler, sched_kwargs = cfg.lr_scheduler, dict(_c(cfg, "lr_scheduler_kwargs", {}) or {})
    if _c(cfg, "cosine_min_lr_ratio") is not None and scheduler == "cosine":
        scheduler, sched_kwargs = (
            "cosine_with_min_lr",
            {**sched_kwargs, "min_lr_rate": cfg.cosine_min_lr_ratio},
        )
    if scheduler in ("one_cycle", "rex", "log_sweep"):
        raise TrainError(
            f"lr_scheduler {scheduler} is Axolotl-only", "use cosine, linear or constant_with_warmup"
        )
    resume = _c(cfg, "resume_from_checkpoint")
    if not resume and _c(cfg, "auto_resume_from_checkpoints"):
        resume = get_last_checkpoint(str(out))
    metrics_path = out / "metrics.jsonl"
    if rank0 and not resume and metrics_path.exists():
        metrics_path.unlink()
    report = _report_to(cfg, out, warnings)

    args = TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=micro,
        per_device_eval_batch_size=int(_c(cfg, "eval_batch_size", micro)),
        gradient_accumulation_steps=accum,
        num_train_epochs=float(cfg.num_epochs),
        max_steps=int(_c(cfg, "max_steps", -1) or -1),
        learning_rate=float(cfg.learning_rate),
        lr_scheduler_type=scheduler,
        lr_scheduler_kwargs=sched_kwargs,
        warmup_steps=warmup,
        optim=optim,
        weight_decay=float(_c(cfg, "weight_decay", 0.0)),
        adam_beta1=float(_c(cfg, "adam_beta1", 0.9)),
        adam_beta2=float(_c(cfg, "adam_beta2", 0.999)),
        adam_epsilon=float(_c(cfg, "adam_epsilon", 1e-8)),
        max_grad_norm=float(_c(cfg, "max_grad_norm", 1.0)),
        bf16=bf16,
        fp16=fp16,
        activation_checkpointing=bool(_c(cfg, "gradient_checkpointing", False)),
        activation_checkpointing_kwargs=_c(cfg, "gradient_checkpointing_kwargs", {"use_reentrant": False}),
        logging_steps=int(_c(cfg, "logging_steps", 1)),
        logging_first_step=True,
        eval_strategy=eval_strategy,
        eval_steps=eval_steps,
        save_strategy=save_strategy,
        save_steps=save_steps,
        save_total_limit=_c(cfg, "save_total_limit"),
        report_to=report or "none",
        run_name=_c(cfg, "wandb_name"),
        seed=seed,
        data_seed=seed,
        remove_unused_columns=False,
        label_names=["labels"],
        prediction_loss_only=True,
        disable_tqdm=console is not None,
        dataloader_num_workers=0,
        ddp_find_unused_parameters=bool(_c(cfg, "ddp_find_unused_parameters", False)),
        ddp_backend="gloo" if _world_size() > 1 and not torch.cuda.is_available() else None,
        ddp_timeout=int(_c(cfg, "ddp_timeout", 1800)),
        **engines,
        neftune_noise_alpha=_c(cfg, "neftune_noise_alpha"),
        torch_compile=bool(_c(cfg, "torch_compile", False)),
        hub_model_id=_c(cfg, "hub_model_id"),
        push_to_hub=bool(_c(cfg, "hub_model_id")),
        use_cpu=not torch.cuda.is_available(),
        save_only_model=False,
    )
    jsonl = JsonlMetrics(metrics_path)
    callbacks: list[Any] = [jsonl]
    watchdog = None
    if _c(cfg, "loss_watchdog_threshold") is not None:
        watchdog = LossWatchdog(float(cfg.loss_watchdog_threshold), int(_c(cfg, "loss_watchdog_patience", 3)))
        callbacks.append(watchdog)
    early = None
    if _c(cfg, "early_stopping_patience") and val_ds is not None:
        early = EarlyStopping(int(cfg.early_stopping_patience))
        callbacks.append(early)
    if console is not None:
        callbacks.append(ConsoleProgress(console))

    trainer = _trainer_class()(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=val_ds,
        data_collator=collator,
        processing_class=tokenizer,
        callbacks=callbacks,
    )
    if console is not None:  # ConsoleProgress shows the logs; HF's printer would print each one again
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    if val_ds is not None:
        trainer.get_eval_dataloader = _eval_loader(trainer, val_ds, eval_collator)  # type: ignore[method-assign]
    result = trainer.train(resume_from_checkpoint=resume)
    eval_loss = None
    if val_ds is not None:
        eval_loss = trainer.evaluate().get("eval_loss")

    trainer.save_model(str(out))
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(str(out))
        _save_config(cfg, out)
        if prep.template_json is not None:
            shutil.copyfile(prep.template_json, out / "yc_template.json")
        loss_plot(
            _records(jsonl, metrics_path),
            out / "loss.png",
            title=f"{Path(str(cfg.base_model)).name} {cfg.adapter or 'full'}",
        )
    losses = [r["loss"] for r in _records(jsonl, metrics_path) if "loss" in r]
    tps = [r["tokens_per_s"] for r in _records(jsonl, metrics_path) if "tokens_per_s" in r]
    stopped = (
        watchdog.tripped
        if watchdog and watchdog.tripped
        else (f"early stopping at step {early.stopped_at}" if early and early.stopped_at else None)
    )
    if stopped:
        log.warning("training stopped: %s", stopped)
    return {
        "output_dir": str(out),
        "steps": trainer.state.global_step,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "train_loss": result.training_loss,
        "eval_loss": eval_loss,
        "tokens": trainer._tokens * max(1, args.world_size),
        "tokens_per_s": round(sum(tps) / len(tps), 2) if tps else None,
        "packing_efficiency": round(efficiency, 4) if efficiency is not None else None,
        "train_samples": len(prep.train),
        "val_samples": len(prep.val),
        "data_key": prep.key,
        "attn_implementation": attn,
        "precision": str(dtype).replace("torch.", ""),
        "warnings": warnings,
        "stopped": stopped,
        "world_size": max(1, args.world_size),
        "wall_s": round(time.perf_counter() - t0, 2),
    }


def _records(jsonl: Any, path: Path) -> list[dict[str, Any]]:
    import json

    if path.exists():
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return jsonl.records


def _eval_loader(trainer: Any, dataset: Any, collator: Any):
    from torch.utils.data import DataLoader

    def get_eval_dataloader(eval_dataset: Any = None) -> Any:
        loader = DataLoader(
            dataset, batch_size=trainer.args.per_device_eval_batch_size, collate_fn=collator, shuffle=False
        )
        return trainer.accelerator.prepare(loader)

    return get_eval_dataloader


def _save_config(cfg: Any, out: Path) -> None:
    try:
        from yc_train.config import save_resolved

        save_resolved(cfg, out)
    except (ImportError, AttributeError):  # a plain object config (tests of the recipe alone)
        import yaml

        data = (
            cfg.model_dump(mode="json", exclude_none=True) if hasattr(cfg, "model_dump") else dict(vars(cfg))
        )
        (out / "yc_config.yml").write_text(yaml.safe_dump(data, sort_keys=False))
