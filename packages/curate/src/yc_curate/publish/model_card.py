"""Model publishing: pick the files of a trained output folder and render its model card.

A ``yc train`` output folder holds the adapter (``adapter_config.json`` + ``adapter_model.safetensors``)
or a full model (``config.json`` + ``model*.safetensors``), the tokenizer, the resolved config
(``yc_config.yml``), ``metrics.jsonl``, ``loss.png``, the dataset's prompt template (``yc_template.json``)
and, after ``yc merge`` / ``yc eval`` / ``yc export``, ``merged/``, ``eval/report.json`` and ``gguf/``
(GGUF files + Ollama ``Modelfile``, uploaded at the repo root). Whatever is missing is left out of the
card; only the weights are required. The card's usage examples are runnable as written.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from yc_curate.errors import CurateError

log = logging.getLogger(__name__)

CONFIG_NAMES = (
    "yc_config.yml",
    "yc_config.yaml",
    "resolved_config.yml",
    "config.yml",
    "config.yaml",
    "lora.yml",
)
SKIP_DIRS = ("checkpoint-", "runs", "wandb", "logs", "tensorboard", "merged")
SKIP_FILES = ("optimizer.pt", "scheduler.pt", "scaler.pt", "training_args.bin", "README.md")
WEIGHT_GLOBS = ("adapter_model.*", "model*.safetensors", "pytorch_model*.bin", "*.gguf")
SECRET_WORDS = ("token", "api_key", "apikey", "password", "secret")
CONFIG_ROWS = (
    "adapter",
    "load_in_4bit",
    "load_in_8bit",
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "lora_target_modules",
    "lora_target_linear",
    "sequence_len",
    "sample_packing",
    "micro_batch_size",
    "gradient_accumulation_steps",
    "num_epochs",
    "max_steps",
    "learning_rate",
    "optimizer",
    "lr_scheduler",
    "warmup_steps",
    "bf16",
    "fp16",
)


@dataclass
class ModelCardInfo:
    """What the model card says; filled by :func:`read_model_dir`, adjustable by the caller."""

    repo_id: str | None = None
    base_model: str | None = None
    library_name: str = "transformers"
    adapter: str | None = None  # lora / qlora / None for a full or merged model
    datasets: list[str] = field(default_factory=list)
    license: str | None = None
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    has_loss_plot: bool = False
    merged: bool = False
    files: list[str] = field(default_factory=list)
    evaluation: dict[str, Any] = field(default_factory=dict)  # eval/report.json of `yc eval`
    user_example: str | None = None  # a user message in the dataset's format
    gguf_files: list[str] = field(default_factory=list)
    has_modelfile: bool = False


def _is_hub_id(value: Any) -> bool:
    """Whether ``value`` reads as a Hub repo id (namespace/name), not a local path."""
    if not isinstance(value, str) or value.count("/") != 1 or value.startswith((".", "/", "~")):
        return False
    return not Path(value).exists()


def _read_config(folder: Path) -> dict[str, Any]:
    for name in CONFIG_NAMES:
        path = folder / name
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as err:
                log.warning("cannot read %s: %s", path, err)
                return {}
            return _drop_secrets(data) if isinstance(data, dict) else {}
    return {}


def _drop_secrets(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: _drop_secrets(v) for k, v in data.items() if not any(w in str(k).lower() for w in SECRET_WORDS)
        }
    if isinstance(data, list):
        return [_drop_secrets(v) for v in data]
    return data


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def summarize_metrics(path: Path) -> dict[str, Any]:
    """Final train loss, first train loss, best eval loss and the last step/epoch from ``metrics.jsonl``."""
    if not path.is_file():
        return {}
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    out: dict[str, Any] = {}
    losses = [r["loss"] for r in rows if isinstance(r.get("loss"), int | float)]
    evals = [r["eval_loss"] for r in rows if isinstance(r.get("eval_loss"), int | float)]
    if losses:
        out["first train loss"] = round(losses[0], 4)
        out["final train loss"] = round(losses[-1], 4)
    if evals:
        out["best eval loss"] = round(min(evals), 4)
        out["final eval loss"] = round(evals[-1], 4)
    for key in ("step", "epoch", "train_loss", "train_runtime", "tokens_per_s", "train_tokens_per_second"):
        values = [r[key] for r in rows if isinstance(r.get(key), int | float)]
        if values:
            out[key] = round(values[-1], 3) if isinstance(values[-1], float) else values[-1]
    return out


def read_model_dir(model_dir: Path | str, *, merged: bool | None = None) -> ModelCardInfo:
    """Inspect a training output folder. ``merged``: True = publish ``merged/``, None = only if no adapter."""
    root = Path(model_dir)
    if not root.is_dir():
        raise CurateError(f"model folder {root} does not exist", "pass the output_dir of a yc train run")
    has_adapter = (root / "adapter_config.json").is_file()
    if merged is None:
        merged = not has_adapter and not _weights(root) and (root / "merged").is_dir()
    if merged and not (root / "merged").is_dir():
        raise CurateError(f"{root} has no merged/ folder", "merge the adapter first: yc merge " + str(root))
    weights_dir = root / "merged" if merged else root
    if not _weights(weights_dir):
        raise CurateError(
            f"no model weights in {weights_dir} (adapter_model.* or model*.safetensors)",
            "pass the output_dir of a finished yc train run (or --merged after yc merge)",
        )
    config = _read_config(root)
    adapter_cfg = _read_json(root / "adapter_config.json") if not merged else {}
    model_cfg = _read_json(weights_dir / "config.json")
    base = (
        config.get("base_model")
        or adapter_cfg.get("base_model_name_or_path")
        or model_cfg.get("_name_or_path")
    )
    datasets = [
        d.get("path")
        for d in config.get("datasets") or []
        if isinstance(d, dict) and _is_hub_id(d.get("path"))
    ]
    info = ModelCardInfo(
        base_model=str(base) if base else None,
        library_name="peft" if (has_adapter and not merged) else "transformers",
        adapter=None
        if merged or not has_adapter
        else str(config.get("adapter") or adapter_cfg.get("peft_type", "lora")).lower(),
        datasets=[str(d) for d in datasets],
        config=config,
        metrics=summarize_metrics(root / "metrics.jsonl"),
        has_loss_plot=(root / "loss.png").is_file(),
        merged=bool(merged),
    )
    info.evaluation = _read_json(root / "eval" / "report.json")
    info.user_example = _user_example(weights_dir, root)
    info.gguf_files = sorted(p.name for p in (root / "gguf").glob("*.gguf"))
    info.has_modelfile = (root / "gguf" / "Modelfile").is_file()
    if adapter_cfg and not config:  # a bare PEFT folder: describe the adapter itself
        names = {
            "r": "lora_r",
            "lora_alpha": "lora_alpha",
            "lora_dropout": "lora_dropout",
            "target_modules": "lora_target_modules",
            "peft_type": "adapter",
        }
        info.config = {new: adapter_cfg[old] for old, new in names.items() if old in adapter_cfg}
        info.config["adapter"] = str(info.config.get("adapter", "lora")).lower()
    return info


def _user_example(*folders: Path) -> str | None:
    """The user message of an example title in the dataset's template (``yc_template.json``)."""
    from yc_curate.templates import get_template

    for folder in folders:
        record = _read_json(folder / "yc_template.json")
        if record.get("template"):
            params = {k: v for k, v in (record.get("params") or {}).items() if k != "tokenizer"}
            try:
                ex = get_template(str(record["template"]), **params).render("Rust in 100 seconds", None, "")
            except (CurateError, OSError, TypeError):
                return None
            return next((m["content"] for m in ex.messages if m["role"] == "user"), None)
    return None


def _weights(folder: Path) -> list[Path]:
    return sorted(p for pattern in WEIGHT_GLOBS for p in folder.glob(pattern) if p.is_file())


def _collect(root: Path, merged: bool) -> dict[str, Path]:
    files: dict[str, Path] = {}
    weights_dir = root / "merged" if merged else root
    for path in sorted(weights_dir.iterdir()):
        skip = path.name.startswith((".", "rng_state")) or path.name in SKIP_FILES
        if path.is_file() and not skip:
            files[path.name] = path
    if merged:  # the run's records live next to merged/
        for name in (*CONFIG_NAMES, "metrics.jsonl", "loss.png"):
            if (root / name).is_file():
                files.setdefault(name, root / name)
    for path in [*sorted((root / "gguf").glob("*.gguf")), root / "gguf" / "Modelfile"]:
        if path.is_file():  # `yc export gguf|ollama` output: at the repo root, so FROM ./x.gguf resolves
            files[path.name] = path
    if (root / "eval" / "report.json").is_file():
        files["eval/report.json"] = root / "eval" / "report.json"
    return files


def model_upload_files(
    model_dir: Path | str,
    repo_id: str | None = None,
    *,
    merged: bool | None = None,
    license: str | None = None,
    datasets: list[str] | None = None,
) -> tuple[dict[str, Path | bytes], ModelCardInfo]:
    """Files to upload for a trained model (path in repo -> local file or bytes, README.md included)."""
    root = Path(model_dir)
    info = read_model_dir(root, merged=merged)
    info.repo_id = repo_id
    info.license = license
    if datasets:
        info.datasets = list(dict.fromkeys([*datasets, *info.datasets]))
    files: dict[str, Path | bytes] = dict(_collect(root, info.merged))
    info.files = sorted([*files, "README.md"])
    files["README.md"] = render_model_card(info).encode("utf-8")
    return files, info


def render_model_card(info: ModelCardInfo) -> str:
    """The model card: YAML header (base_model, library_name, tags, datasets, ...) and a markdown body."""
    tags = ["yc", "text-generation"]
    if info.adapter:
        tags += ["peft", info.adapter if info.adapter in ("lora", "qlora") else "adapter"]
    if info.merged:
        tags.append("merged")
    header: dict[str, Any] = {}
    if _is_hub_id(info.base_model):
        header["base_model"] = info.base_model
    header["library_name"] = info.library_name
    header["pipeline_tag"] = "text-generation"
    header["tags"] = sorted(set(tags + list(info.tags)))
    if info.datasets:
        header["datasets"] = list(info.datasets)
    if info.license:
        header["license"] = info.license
    title = info.repo_id.split("/")[-1] if info.repo_id else "yc model"
    index = _model_index(info, title)
    if index:
        header["model-index"] = index
    lines = [
        "---",
        yaml.safe_dump(header, sort_keys=False, allow_unicode=True).rstrip(),
        "---",
        "",
        f"# {title}",
        "",
    ]
    label = {"lora": "LoRA", "qlora": "QLoRA"}.get(info.adapter or "", info.adapter or "")
    kind = "a merged model" if info.merged else (f"a {label} adapter" if info.adapter else "a model")
    base = f"`{info.base_model}`" if info.base_model else "its base model"
    data = ", ".join(f"[{d}](https://huggingface.co/datasets/{d})" for d in info.datasets) or "a yc dataset"
    lines += [f"This is {kind} fine-tuned from {base} with yc on {data}.", ""]
    rows = [(k, info.config[k]) for k in CONFIG_ROWS if k in info.config and info.config[k] not in (None, "")]
    if rows:
        lines += ["## Training", "", "| setting | value |", "|---|---|"]
        lines += [f"| {k} | {_cell(v)} |" for k, v in rows]
        lines.append("")
    if info.metrics:
        lines += ["## Metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in info.metrics.items()]
        lines.append("")
    if info.has_loss_plot:
        lines += ["![training loss](loss.png)", ""]
    lines += _eval_table(info)
    if info.config:
        lines += [
            "## Config",
            "",
            "```yaml",
            yaml.safe_dump(info.config, sort_keys=False).rstrip(),
            "```",
            "",
        ]
    lines += _usage(info)
    if info.files:
        lines += ["", "## Files", ""] + [f"- `{f}`" for f in info.files]
    return "\n".join(lines).rstrip() + "\n"


def _model_index(info: ModelCardInfo, name: str) -> list[dict[str, Any]]:
    """``model-index`` metadata from `yc eval` (the fine-tuned model's held-out metrics)."""
    tuned = (info.evaluation.get("models") or {}).get("fine-tuned") or {}
    metrics = [
        {"type": key, "name": _label(key), "value": round(float(value), 4)}
        for key, value in tuned.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and value == value  # drop NaN
    ]
    if not metrics:
        return []
    dataset = info.datasets[0] if info.datasets else "yc-dataset"
    return [
        {
            "name": name,
            "results": [
                {
                    "task": {"type": "text-generation", "name": "Text Generation"},
                    "dataset": {"type": dataset, "name": f"{dataset} (held-out split)"},
                    "metrics": metrics,
                }
            ],
        }
    ]


def _label(key: str) -> str:
    return key.replace("_", " ")


def _eval_table(info: ModelCardInfo) -> list[str]:
    models = info.evaluation.get("models") or {}
    if not models.get("fine-tuned"):
        return []
    cols = [c for c in ("creator", "base", "fine-tuned") if c in models]
    lines = ["## Evaluation (`yc eval`, held-out videos)", "", "| metric | " + " | ".join(cols) + " |"]
    lines.append("|---" * (len(cols) + 1) + "|")
    for key in models["fine-tuned"]:
        vals = [models[c].get(key) for c in cols]
        if any(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
            lines.append(f"| {_label(key)} | " + " | ".join(_num(v) for v in vals) + " |")
    return [*lines, ""]


def _num(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) and v == v else ("—" if v is None or v != v else str(v))


def _usage(info: ModelCardInfo) -> list[str]:
    repo = info.repo_id or "<user>/<model>"
    user = info.user_example or "Given the title of the video: Rust in 100 seconds"
    lines = [
        "## Use it",
        "",
        "The tokenizer's chat template is the dataset's prompt format: pass the video as the user message.",
        "",
        "```python",
        "from transformers import pipeline",
        "",
        f'generator = pipeline("text-generation", model="{repo}")',
        f'messages = [{{"role": "user", "content": {json.dumps(user)}}}]',
        "out = generator(messages, max_new_tokens=200, do_sample=False)",
        'print(out[0]["generated_text"][-1]["content"])',
        "```",
    ]
    if info.adapter:
        lines += ["", "(`peft` must be installed: this repo holds a LoRA adapter on the base model.)"]
    if info.gguf_files:
        gguf = info.gguf_files[0]
        name = repo.split("/")[-1].lower()
        lines += [
            "",
            "### llama.cpp / Ollama (GGUF)",
            "",
            "```sh",
            f"hf download {repo} {gguf} {'Modelfile ' if info.has_modelfile else ''}--local-dir .",
            f"llama-server -m {gguf} --jinja  # chat API on :8080, the prompt format is in the file",
        ]
        if info.has_modelfile:
            lines += [f"ollama create {name} -f Modelfile", f"ollama run {name} {json.dumps(user)}"]
        lines.append("```")
    return lines


def _cell(value: Any) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")
