"""The eval report: one table (terminal / markdown / json) and a PNG chart, base vs fine-tuned."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

# metric key -> (label, how "better" is judged): "low" lower is better, "high" higher is better,
# "ref" closer to the creator's own value is better
METRICS: dict[str, tuple[str, str]] = {
    "perplexity": ("held-out perplexity (completion tokens)", "low"),
    "words_per_sentence": ("words per sentence (pacing)", "ref"),
    "sentence_spread": ("sentence length spread (std)", "ref"),
    "type_token_ratio": ("type/token ratio (MATTR-50)", "ref"),
    "fw_distance": ("function-word profile distance", "low"),
    "phrases_per_1k": ("creator phrases per 1k words", "ref"),
    "embed_similarity": ("embedding similarity to creator centroid", "high"),
}
COLUMNS = ("creator", "base", "fine-tuned")


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 100 else f"{v:.1f}"
    return str(v)


def closer(metric: str, creator: Any, base: Any, tuned: Any) -> str:
    """Which model is closer to the creator on ``metric``: "fine-tuned", "base" or "tie"."""
    how = METRICS[metric][1]
    try:
        b, t = float(base), float(tuned)
    except (TypeError, ValueError):
        return ""
    if math.isnan(b) or math.isnan(t):
        return ""
    if how == "ref":
        if creator is None or math.isnan(float(creator)):
            return ""
        b, t = abs(b - float(creator)), abs(t - float(creator))
        how = "low"
    if b == t:
        return "tie"
    return ("fine-tuned" if t < b else "base") if how == "low" else ("fine-tuned" if t > b else "base")


def rows(report: dict[str, Any]) -> list[list[str]]:
    """Table rows: metric, creator, base, fine-tuned, closer to the creator."""
    out = []
    for key, (label, _) in METRICS.items():
        vals = [report["models"].get(c, {}).get(key) for c in COLUMNS]
        out.append([label, *(_fmt(v) for v in vals), closer(key, *vals)])
    return out


HEADER = ["metric", *COLUMNS, "closer to creator"]


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# yc eval: {report['base_model']} vs {report['fine_tuned']}",
        "",
        f"Held-out examples: {report['examples']} ({report['held_out_rule']}); "
        f"generations: max_new_tokens={report['max_new_tokens']}, temperature={report['temperature']}, "
        f"top_p={report['top_p']}, seed={report['seed']}.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows(report)]
    phrases = report.get("phrases") or []
    lines += [
        "",
        "Creator phrases (mined from the training split): "
        + (", ".join(f"`{p}`" for p in phrases) or "none"),
    ]
    return "\n".join(lines) + "\n"


def chart(report: dict[str, Any], path: Path) -> Path:
    """One small bar chart per metric: base and fine-tuned bars, the creator's value as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = list(METRICS)
    fig, axes = plt.subplots(2, 4, figsize=(14, 6.5))
    for ax, key in zip(axes.flat, keys, strict=False):
        label, _ = METRICS[key]
        vals = [report["models"].get(c, {}).get(key) for c in ("base", "fine-tuned")]
        vals = [float("nan") if v is None else float(v) for v in vals]
        ax.bar(
            ["base", "fine-tuned"], [0 if math.isnan(v) else v for v in vals], color=["#999999", "#d95f02"]
        )
        ref = report["models"].get("creator", {}).get(key)
        if ref is not None and not math.isnan(float(ref)):
            ax.axhline(float(ref), color="#1b9e77", linestyle="--", label="creator")
            ax.legend(fontsize=7)
        ax.set_title(label, fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    fig.suptitle(f"yc eval: {Path(str(report['base_model'])).name} base vs fine-tuned", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def save(report: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``chart.png`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"json": folder / "report.json", "markdown": folder / "report.md", "chart": folder / "chart.png"}
    files["json"].write_text(json.dumps(_no_nan(report), indent=2, default=_json_default) + "\n")
    files["markdown"].write_text(markdown(report))
    chart(report, files["chart"])
    return files


def _json_default(v: Any) -> Any:
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, float) and math.isnan(v):
        return None
    return str(v)


def _no_nan(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _no_nan(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_no_nan(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return None
    return v
