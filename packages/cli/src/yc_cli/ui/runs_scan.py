"""Training runs under the workspace and the config folder: metrics, resolved config, eval report.

A run is a folder holding ``metrics.jsonl`` or ``yc_config.yml`` (what ``yc train`` leaves); its eval
report is ``eval/report.json`` and ``eval/generations.jsonl`` (what ``yc eval`` leaves).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from yc_cli.ui.sandbox import Sandbox

MARKERS = ("metrics.jsonl", "yc_config.yml")
_SKIP = {".git", ".venv", "node_modules", "__pycache__", "audio", "_delta_log", "checkpoint"}
CURVES = ("loss", "eval_loss", "learning_rate", "grad_norm")


def find_runs(sandbox: Sandbox, max_depth: int = 5) -> list[dict[str, Any]]:
    """Every run folder under the sandbox's roots (each real folder once), newest first."""
    seen: set[Path] = set()
    runs = []
    for root, base in sandbox.roots.items():
        for folder, dirs, files in os.walk(base):  # does not follow symlinked folders
            here = Path(folder)
            depth = len(here.relative_to(base).parts)
            dirs[:] = [
                d
                for d in dirs
                if d not in _SKIP and not d.startswith((".", "checkpoint-")) and depth < max_depth
            ]
            if not any(m in files for m in MARKERS) or here.resolve() in seen:
                continue
            seen.add(here.resolve())
            rel = sandbox.relative(root, here)
            metrics = here / "metrics.jsonl"
            runs.append(
                {
                    "id": f"{root}:{rel}",
                    "root": root,
                    "path": rel,
                    "name": here.name,
                    "modified": max((here / f).stat().st_mtime for f in files if f in MARKERS),
                    "has_eval": (here / "eval" / "report.json").is_file(),
                    "steps": _last_step(metrics) if metrics.is_file() else None,
                }
            )
    return sorted(runs, key=lambda r: r["modified"], reverse=True)


def run_file(sandbox: Sandbox, run_id: str, name: str = "") -> Path:
    """``name`` inside the run folder ``root:relative``, resolved in the sandbox (OutsideError otherwise).

    Each file is resolved on its own: a run folder inside the workspace may hold a symlink that leads out.
    """
    root, _, rel = run_id.partition(":")
    return sandbox.resolve(root, f"{rel}/{name}" if name else rel)


def load_run(sandbox: Sandbox, run_id: str) -> dict[str, Any]:
    """Curves from ``metrics.jsonl``, the resolved config text, the eval report and generations side by side."""
    config = run_file(sandbox, run_id, "yc_config.yml")
    report_file = run_file(sandbox, run_id, "eval/report.json")
    report = _finite(json.loads(report_file.read_text(encoding="utf-8"))) if report_file.is_file() else None
    return {
        "name": run_file(sandbox, run_id).name,
        "curves": curves(run_file(sandbox, run_id, "metrics.jsonl")),
        "config": config.read_text(encoding="utf-8") if config.is_file() else None,
        "eval": report,
        "eval_table": eval_table(report) if report else None,
        "metric_labels": _metric_labels(),
        "generations": side_by_side(run_file(sandbox, run_id, "eval/generations.jsonl")),
    }


def curves(path: Path) -> dict[str, list[list[float]]]:
    """``{"loss": [[step, value], ...], "learning_rate": ..., "eval_loss": ...}`` (non-finite values dropped)."""
    out: dict[str, list[list[float]]] = {name: [] for name in CURVES}
    for record in _records(path):
        step = record.get("step")
        if not isinstance(step, int | float):
            continue
        for name in CURVES:
            value = record.get(name)
            if isinstance(value, int | float) and math.isfinite(value):
                out[name].append([float(step), float(value)])
    return {name: points for name, points in out.items() if points}


def side_by_side(path: Path) -> list[dict[str, Any]]:
    """Generations grouped per held-out example: ``{"key", "title", "base", "fine-tuned"}``."""
    rows: dict[str, dict[str, Any]] = {}
    for record in _records(path):
        key = str(record.get("key"))
        row = rows.setdefault(
            key, {"key": key, "title": record.get("title"), "base": None, "fine-tuned": None}
        )
        if record.get("model") in ("base", "fine-tuned"):
            row[str(record["model"])] = record.get("text")
    return list(rows.values())


def _records(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line being written while we read
        if isinstance(record, dict):
            out.append(record)
    return out


def _last_step(path: Path) -> int | None:
    steps = [r["step"] for r in _records(path) if isinstance(r.get("step"), int)]
    return max(steps) if steps else None


def _finite(value: Any) -> Any:
    """JSON has no NaN: non-finite floats become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def eval_table(report: dict[str, Any]) -> dict[str, Any] | None:
    """The table ``yc eval`` prints (metric, creator, base, fine-tuned, closer to creator), when yc_train is here."""
    try:
        from yc_train.evaluate.report import HEADER, rows
    except ImportError:
        return None
    try:
        return {"header": list(HEADER), "rows": rows(report)}
    except (KeyError, TypeError):  # a report from another yc version: the page falls back to raw values
        return None


def _metric_labels() -> dict[str, str]:
    try:
        from yc_train.evaluate.report import METRICS
    except ImportError:
        return {}
    return {key: label for key, (label, _) in METRICS.items()}
