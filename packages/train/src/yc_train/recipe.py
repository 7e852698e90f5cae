"""The training recipe: config -> data -> model -> HF Trainer -> output_dir, in a straight line.

``train(cfg)`` leaves in ``output_dir``: the adapter (``adapter_model.safetensors`` + ``adapter_config.json``)
or the full model, the tokenizer, the resolved config (``yc_config.yml``), ``metrics.jsonl``, ``loss.png``
and, when the data came from a yc workspace with a ``template.json``, ``yc_template.json``.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yc_train.errors import TrainError

if TYPE_CHECKING:
    from yc_train.config import TrainConfig

log = logging.getLogger(__name__)


def _report_to(cfg: TrainConfig, out: Path, warnings: list[str]) -> list[str]:
    report: list[str] = []
    if cfg.use_tensorboard:
        os.environ.setdefault("TENSORBOARD_LOGGING_DIR", str(out / "runs"))
        report.append("tensorboard")
    if cfg.wandb_project:
        env = {
            "WANDB_PROJECT": cfg.wandb_project,
            "WANDB_ENTITY": cfg.wandb_entity,
            "WANDB_NAME": cfg.wandb_name,
            "WANDB_WATCH": cfg.wandb_watch,
            "WANDB_LOG_MODEL": cfg.wandb_log_model,
            "WANDB_MODE": cfg.wandb_mode,
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


def train(cfg: TrainConfig, console: Any = None) -> dict[str, Any]:
    """Fine-tune per ``cfg`` (a ``TrainConfig``); writes ``output_dir``; returns a metrics summary dict.

    Summary keys: output_dir, steps, first_loss, last_loss, train_loss, eval_loss, tokens, tokens_per_s,
    packing_efficiency, train_samples, val_samples, attn_implementation, precision, warnings, stopped, wall_s.
    """
    import torch
    from transformers import TrainingArguments, set_seed
    from transformers.trainer_utils import get_last_checkpoint

    from yc_train import data as data_mod
    from yc_train.callbacks import ConsoleProgress, EarlyStopping, JsonlMetrics, LossWatchdog, SaveFirstStep
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
    from yc_train.train_settings import (
        best_model_metric,
        cadence,
        kept_rows,
        optim_args_text,
        or_default,
        packed_groups,
        steps_per_epoch,
    )
    from yc_train.trainer import trainer_class

    t0 = time.perf_counter()
    warnings: list[str] = []
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rank0 = int(os.environ.get("RANK", "0")) == 0
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    seed = cfg.seed
    set_seed(seed)
    from yc_train.distributed import engine_arguments

    engines = engine_arguments(cfg, torch.cuda.is_available())

    dtype, bf16, fp16 = resolve_precision(cfg, warnings)
    tokenizer, added = load_tokenizer(cfg)
    prep = data_mod.load(cfg, tokenizer)
    seq_len = int(cfg.sequence_len)
    packing = cfg.sample_packing

    from transformers import AutoConfig

    model_type = AutoConfig.from_pretrained(
        cfg.base_model_config or cfg.base_model, trust_remote_code=bool(cfg.trust_remote_code)
    ).model_type
    attn = resolve_attention(cfg, model_type, packing, warnings)
    optim = resolve_optimizer(cfg, warnings)
    if cfg.group_by_length and packing:
        warnings.append("group_by_length has no effect with sample_packing (bins are already full)")
    if cfg.excess_length_strategy == "raise" and prep.stats.get("dropped_too_long"):
        raise TrainError(
            f"{prep.stats['dropped_too_long']} rows are longer than sequence_len {seq_len} "
            "(excess_length_strategy: raise)",
            "raise sequence_len, shorten the rows, or set excess_length_strategy: drop",
        )
    min_len = cfg.min_sample_len or 2
    train_keep = kept_rows(prep.train.lengths(), min_len, seq_len)
    val_keep = kept_rows(prep.val.lengths(), min_len, cfg.eval_sequence_len or seq_len)
    dropped = len(prep.train) - len(train_keep) + len(prep.val) - len(val_keep)
    if dropped:
        warnings.append(
            f"{dropped} rows shorter than min_sample_len {min_len} (or over eval_sequence_len) dropped"
        )

    flat = packing or attn.startswith(("flash", "yc_varlen"))
    if packing:
        train_groups = packed_groups(prep.train.lengths(), train_keep, seq_len, pack_bfd)
        val_groups = (
            packed_groups(prep.val.lengths(), val_keep, seq_len, pack_bfd)
            if cfg.eval_sample_packing is not False and val_keep
            else [[i] for i in val_keep]
        )
        efficiency = packing_efficiency(prep.train.lengths(), train_groups, seq_len)
    else:
        train_groups = [[i] for i in train_keep]
        val_groups = [[i] for i in val_keep]
        efficiency = None
    train_ds = BinDataset(prep.train, train_groups)
    val_ds = BinDataset(prep.val, val_groups) if len(prep.val) else None
    with_cu = attn.startswith(("flash", "yc_varlen"))
    if flat:
        collator: Any = FlatCollator(prep.train, with_cu_seqlens=with_cu)
        eval_collator: Any = FlatCollator(prep.val, with_cu_seqlens=with_cu)
    else:
        pad_to = seq_len if cfg.pad_to_sequence_len else None
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

    if cfg.debug and rank0 and len(prep.train):
        first = prep.train.input_ids[0]
        log.info("debug: first training row (%d tokens): %r", len(first), tokenizer.decode(first)[:2000])
        log.info("debug: its labels: %s", prep.train.labels[0][:200])

    micro, accum = cfg.micro_batch_size, cfg.gradient_accumulation_steps
    spe = steps_per_epoch(len(train_ds), micro, accum, _world_size())
    eval_strategy, eval_steps = cadence(cfg.evals_per_epoch, cfg.eval_steps, spe, cfg.eval_strategy)
    if val_ds is None:
        eval_strategy, eval_steps = "no", None
    save_strategy, save_steps = cadence(cfg.saves_per_epoch, cfg.save_steps, spe, cfg.save_strategy)
    best = best_model_metric(cfg, eval_strategy)
    if best:
        save_strategy, save_steps = eval_strategy, eval_steps  # transformers needs them to match
    warmup: float = cfg.warmup_steps or 0
    if not warmup and cfg.warmup_ratio:
        warmup = float(cfg.warmup_ratio)
    scheduler, sched_kwargs = cfg.lr_scheduler, dict(cfg.lr_scheduler_kwargs or {})
    if cfg.cosine_min_lr_ratio is not None and scheduler == "cosine":
        scheduler, sched_kwargs = (
            "cosine_with_min_lr",
            {**sched_kwargs, "min_lr_rate": cfg.cosine_min_lr_ratio},
        )
    if scheduler in ("one_cycle", "rex", "log_sweep"):
        raise TrainError(
            f"lr_scheduler {scheduler} is Axolotl-only", "use cosine, linear or constant_with_warmup"
        )
    resume = cfg.resume_from_checkpoint
    if not resume and cfg.auto_resume_from_checkpoints:
        resume = get_last_checkpoint(str(out))
    metrics_path = out / "metrics.jsonl"
    if rank0 and not resume and metrics_path.exists():
        metrics_path.unlink()
    report = _report_to(cfg, out, warnings)

    args = TrainingArguments(
        output_dir=str(out),
        per_device_train_batch_size=micro,
        per_device_eval_batch_size=cfg.eval_batch_size or micro,
        gradient_accumulation_steps=accum,
        num_train_epochs=float(cfg.num_epochs),
        max_steps=cfg.max_steps or -1,
        learning_rate=float(cfg.learning_rate),
        lr_scheduler_type=scheduler,
        lr_scheduler_kwargs=sched_kwargs,
        warmup_steps=warmup,
        optim=optim,
        optim_args=optim_args_text(cfg.optim_args),
        weight_decay=cfg.weight_decay,
        adam_beta1=or_default(cfg.adam_beta1, 0.9),
        adam_beta2=or_default(cfg.adam_beta2, 0.999),
        adam_epsilon=or_default(cfg.adam_epsilon, 1e-8),
        max_grad_norm=or_default(cfg.max_grad_norm, 1.0),
        bf16=bf16,
        fp16=fp16,
        activation_checkpointing=bool(cfg.gradient_checkpointing),
        activation_checkpointing_kwargs=cfg.gradient_checkpointing_kwargs or {"use_reentrant": False},
        logging_steps=cfg.logging_steps or 1,
        logging_first_step=True,
        eval_strategy=eval_strategy,
        eval_steps=eval_steps,
        save_strategy=save_strategy,
        save_steps=save_steps,
        save_total_limit=cfg.save_total_limit,
        save_only_model=bool(cfg.save_only_model),
        load_best_model_at_end=bool(best),
        metric_for_best_model=best or None,
        greater_is_better=cfg.greater_is_better,
        report_to=report or "none",
        run_name=cfg.wandb_name,
        seed=seed,
        data_seed=seed,
        remove_unused_columns=False,
        label_names=["labels"],
        prediction_loss_only=True,
        disable_tqdm=console is not None,
        dataloader_num_workers=0,
        dataloader_drop_last=bool(cfg.dataloader_drop_last),
        ddp_find_unused_parameters=bool(cfg.ddp_find_unused_parameters),
        ddp_backend="gloo" if _world_size() > 1 and not torch.cuda.is_available() else None,
        ddp_timeout=cfg.ddp_timeout or 1800,
        **engines,
        neftune_noise_alpha=cfg.neftune_noise_alpha,
        torch_compile=bool(cfg.torch_compile),
        hub_model_id=cfg.hub_model_id,
        hub_revision=cfg.hub_revision,
        **({"hub_strategy": cfg.hub_strategy} if cfg.hub_strategy else {}),
        push_to_hub=bool(cfg.hub_model_id),
        use_cpu=not torch.cuda.is_available(),
    )
    jsonl = JsonlMetrics(metrics_path)
    callbacks: list[Any] = [jsonl]
    watchdog = None
    if cfg.loss_watchdog_threshold is not None:
        watchdog = LossWatchdog(cfg.loss_watchdog_threshold, cfg.loss_watchdog_patience or 3)
        callbacks.append(watchdog)
    if cfg.save_first_step:
        callbacks.append(SaveFirstStep())
    early = None
    if cfg.early_stopping_patience and val_ds is not None:
        early = EarlyStopping(int(cfg.early_stopping_patience))
        callbacks.append(early)
    if console is not None:
        callbacks.append(ConsoleProgress(console))

    trainer = trainer_class()(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=val_ds,
        data_collator=collator,
        processing_class=tokenizer,
        callbacks=callbacks,
    )
    trainer.yc_cfg = cfg
    if cfg.group_by_length and not packing:
        trainer.yc_lengths = [sum(prep.train.lengths()[i] for i in g) for g in train_groups]
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
        _finish_output(out)
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
        "train_samples": len(train_keep),
        "val_samples": len(val_keep),
        "data_key": prep.key,
        "attn_implementation": attn,
        "precision": str(dtype).replace("torch.", ""),
        "warnings": warnings,
        "stopped": stopped,
        "world_size": max(1, args.world_size),
        "wall_s": round(time.perf_counter() - t0, 2),
    }


def _finish_output(out: Path) -> None:
    """The training chat template, a clean tokenizer config and a real README (not peft's empty one)."""
    from yc_curate.publish.model_card import read_model_dir, render_model_card
    from yc_train.artefacts import finish_model_folder

    finish_model_folder(out)
    (out / "README.md").write_text(render_model_card(read_model_dir(out)), encoding="utf-8")


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


def _save_config(cfg: TrainConfig, out: Path) -> None:
    from yc_train.config import save_resolved

    save_resolved(cfg, out)
