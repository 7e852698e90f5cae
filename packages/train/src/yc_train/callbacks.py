"""Trainer callbacks: metrics.jsonl, console progress with tokens/s, loss watchdog, early stopping, first-step save."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback


class JsonlMetrics(TrainerCallback):
    """Appends every log (train loss, lr, grad norm, tokens/s, eval loss) to ``metrics.jsonl``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.records: list[dict[str, Any]] = []

    def on_log(self, args, state, control, logs=None, **kwargs):  # type: ignore[override]
        if not state.is_world_process_zero or not logs:
            return
        rec = {
            "step": state.global_step,
            "epoch": round(state.epoch or 0.0, 4),
            "time": round(time.time(), 3),
            **logs,
        }
        self.records.append(rec)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, default=float) + "\n")


class ConsoleProgress(TrainerCallback):
    """A rich progress bar (steps, loss, tokens/s) plus one line per log on the given console."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.progress: Any = None
        self.task: Any = None
        self.loss = float("nan")
        self.tps = 0.0

    def on_train_begin(self, args, state, control, **kwargs):  # type: ignore[override]
        if not state.is_world_process_zero:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}  {task.fields[tps]} tok/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=state.max_steps, completed=state.global_step, loss="-", tps="-"
        )

    def on_step_end(self, args, state, control, **kwargs):  # type: ignore[override]
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):  # type: ignore[override]
        if self.progress is None or not logs:
            return
        if "loss" in logs:
            self.loss = logs["loss"]
        self.tps = logs.get("tokens_per_s", self.tps)
        self.progress.update(self.task, loss=f"{self.loss:.4f}", tps=f"{self.tps:.0f}")
        shown = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in logs.items()}
        self.progress.console.print(f"step {state.global_step}: {shown}")

    def on_train_end(self, args, state, control, **kwargs):  # type: ignore[override]
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


class LossWatchdog(TrainerCallback):
    """Stops training when the train loss stays above ``threshold`` for ``patience`` logs in a row (or is NaN)."""

    def __init__(self, threshold: float, patience: int) -> None:
        self.threshold = threshold
        self.patience = max(1, patience)
        self.strikes = 0
        self.tripped: str | None = None

    def on_log(self, args, state, control, logs=None, **kwargs):  # type: ignore[override]
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        self.strikes = self.strikes + 1 if (math.isnan(loss) or loss > self.threshold) else 0
        if self.strikes >= self.patience:
            self.tripped = f"loss {loss:.4g} above {self.threshold:g} for {self.strikes} logs at step {state.global_step}"
            control.should_training_stop = True


class EarlyStopping(TrainerCallback):
    """Stops after ``patience`` evaluations without a lower eval loss."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best = float("inf")
        self.bad = 0
        self.stopped_at: int | None = None

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):  # type: ignore[override]
        loss = (metrics or {}).get("eval_loss")
        if loss is None:
            return
        if loss < self.best:
            self.best, self.bad = loss, 0
        else:
            self.bad += 1
            if self.bad >= self.patience:
                self.stopped_at = state.global_step
                control.should_training_stop = True


class SaveFirstStep(TrainerCallback):
    """``save_first_step``: a checkpoint after the first optimizer step too (a quick check that saving works)."""

    def on_step_end(self, args, state, control, **kwargs):  # type: ignore[override]
        if state.global_step == 1:
            control.should_save = True
        return control
