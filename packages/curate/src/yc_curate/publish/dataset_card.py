"""The dataset card (``README.md``) for an exported dataset: a YAML header the Hub reads, and a body.

The header declares ``configs`` (data files per split), ``dataset_info`` (features, split sizes),
``license``, ``language``, ``task_categories``, ``tags`` and ``pretty_name``. The body says where the
data came from (channels, videos, hours of audio, transcription and summary backends and models), how
an example looks, split sizes and token statistics, which table version and yc version built it, and
how to train on it. The card holds no timestamps, so the same export renders the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa
import yaml

from yc_curate.publish.shards import SplitShards

EXAMPLE_CHARS = 1500

COLUMN_DOCS = {
    "text": "the whole training text (prompt and completion, template applied)",
    "prompt": "the part the model is given (title and summary inside the template)",
    "completion": "the part the model learns to write (the transcript)",
    "messages": "the same example as chat messages (role, content)",
    "video_id": "the source video's id",
    "chunk": "index of the chunk when a long transcript was split",
    "title": "the source video's title",
    "upload_date": "the source video's upload date",
    "channel": "the source channel",
    "summary": "the generated summary used in the prompt",
    "n_tokens": "tokens in `text` (tokenizer of the template)",
}


@dataclass
class DatasetCardInfo:
    """What the card says beyond what the frame shows (all optional; unknown fields are left out)."""

    repo_id: str | None = None
    pretty_name: str | None = None
    description: str | None = None
    license: str = "unknown"  # the videos' own terms apply; --license sets a Hub license id
    language: Sequence[str] = ("en",)
    task_categories: Sequence[str] = ("text-generation",)
    tags: Sequence[str] = ()
    channels: Sequence[str] = ()
    sources: Sequence[str] = ()
    n_videos: int | None = None
    audio_hours: float | None = None
    transcription: Sequence[str] = ()  # e.g. "faster-whisper (tiny.en): 12 videos"
    summarization: Sequence[str] = ()
    template: str | None = None
    table: str | None = "examples"
    table_version: int | None = None
    yc_version: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)  # more rows for the "Source" table


def arrow_feature(name: str | None, t: pa.DataType) -> dict[str, Any] | str:
    """An Arrow type in the card's ``features`` YAML form (the form ``datasets`` writes and reads)."""
    if pa.types.is_struct(t):
        body: Any = [arrow_feature(f.name, f.type) for f in t]
        entry: dict[str, Any] = {"struct": body}
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        inner = t.value_type
        value = (
            [arrow_feature(f.name, f.type) for f in inner]
            if pa.types.is_struct(inner)
            else arrow_feature(None, inner)
        )
        if isinstance(value, dict) and "dtype" in value and len(value) == 1:
            value = value["dtype"]
        entry = {"list": value}
    else:
        entry = {"dtype": _dtype(t)}
    if name is None:
        return entry.get("dtype", entry)
    return {"name": name, **entry}


def _dtype(t: pa.DataType) -> str:
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string" if pa.types.is_string(t) else "large_string"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_date32(t):
        return "date32"
    if pa.types.is_floating(t):
        return f"float{t.bit_width}"
    return str(t)  # int32, int64, timestamp[us, tz=UTC] ... read the same way by datasets


def features_yaml(schema: pa.Schema) -> list[dict[str, Any]]:
    """The ``dataset_info.features`` list for a (plain-typed) Arrow schema."""
    return [arrow_feature(f.name, f.type) for f in schema]  # type: ignore[misc]


def token_stats(frame: pl.DataFrame, column: str = "n_tokens") -> dict[str, int] | None:
    """Count, total, mean, median, p95 and max of ``column`` (None when it is absent or all null)."""
    if (
        column not in frame.columns
        or frame.get_column(column).null_count() == frame.height
        or frame.height == 0
    ):
        return None
    s = frame.get_column(column).drop_nulls().cast(pl.Int64)
    return {
        "examples": frame.height,
        "total": int(s.sum()),
        "mean": round(float(s.mean())),  # type: ignore[arg-type]
        "median": round(float(s.median())),  # type: ignore[arg-type]
        "p95": int(s.quantile(0.95, interpolation="nearest")),  # type: ignore[arg-type]
        "max": int(s.max()),  # type: ignore[arg-type]
    }


def card_header(
    info: DatasetCardInfo, splits: Sequence[SplitShards], schema: pa.Schema, download_size: int
) -> dict[str, Any]:
    """The card's YAML metadata as a dict (rendered between ``---`` lines)."""
    total = sum(s.rows for s in splits)
    header: dict[str, Any] = {
        "pretty_name": info.pretty_name or (info.repo_id.split("/")[-1] if info.repo_id else "yc dataset"),
        "license": info.license,
        "language": list(info.language),
        "task_categories": list(info.task_categories),
        "tags": sorted({"yc", "transcripts", "fine-tuning", *info.tags}),
        "size_categories": [_size_category(total)],
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": s.name, "path": f"data/{s.name}-*"} for s in splits],
            }
        ],
        "dataset_info": {
            "features": features_yaml(schema),
            "splits": [{"name": s.name, "num_bytes": s.num_bytes, "num_examples": s.rows} for s in splits],
            "download_size": download_size,
            "dataset_size": sum(s.num_bytes for s in splits),
        },
    }
    return header


def _size_category(n: int) -> str:
    for bound, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if n < bound:
            return label
    return "1M<n<10M"


def render_dataset_card(
    info: DatasetCardInfo,
    splits: Sequence[SplitShards],
    frame: pl.DataFrame,
    schema: pa.Schema,
    download_size: int,
    *,
    split_column: str = "split",
) -> str:
    """The full ``README.md``: YAML header and markdown body. Deterministic for the same inputs."""
    header = yaml.safe_dump(
        card_header(info, splits, schema, download_size), sort_keys=False, allow_unicode=True, width=1000
    )
    title = info.pretty_name or info.repo_id or "yc dataset"
    repo = info.repo_id or "<user>/<dataset>"
    lines = ["---", header.rstrip(), "---", "", f"# {title}", ""]
    if info.description:
        lines += [info.description.strip(), ""]
    channels = ", ".join(info.channels) if info.channels else "(not recorded)"
    lines += [
        f"Fine-tuning examples built with yc from the videos of {channels}: each pairs a video's",
        "title and summary (the prompt) with its transcript (the completion), so a model fine-tuned on it",
        "writes in the creator's voice. The text comes from the creator's videos: their terms apply to it.",
        "",
        "## Source",
        "",
        "| | |",
        "|---|---|",
    ]
    rows: list[tuple[str, str]] = [("channel(s)", channels)]
    if info.sources:
        rows.append(("source", ", ".join(info.sources)))
    if info.n_videos is not None:
        rows.append(("videos", str(info.n_videos)))
    if info.audio_hours is not None:
        rows.append(("hours of audio", f"{info.audio_hours:.2f}"))
    rows.append(("transcription", "; ".join(info.transcription) or "(not recorded)"))
    rows.append(("summaries", "; ".join(info.summarization) or "(not recorded)"))
    if info.template:
        rows.append(("template", f"`{info.template}`"))
    if info.table:
        version = "" if info.table_version is None else f" version {info.table_version}"
        rows.append(("table", f"`{info.table}`{version}"))
    if info.yc_version:
        rows.append(("yc version", info.yc_version))
    rows += list(info.extra.items())
    lines += [f"| {k} | {_cell(v)} |" for k, v in rows]
    lines += ["", "## Splits", "", "| split | examples | shards | tokens | mean | median | p95 | max |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in splits:
        part = frame.filter(pl.col(split_column) == s.name) if split_column in frame.columns else frame
        st = token_stats(part)
        cells = (
            [st["total"], st["mean"], st["median"], st["p95"], st["max"]] if st else ["-", "-", "-", "-", "-"]
        )
        lines.append(f"| {s.name} | {s.rows} | {len(s.files)} | " + " | ".join(str(c) for c in cells) + " |")
    lines += [
        "",
        "Token counts are from the `n_tokens` column (the template's tokenizer).",
        "",
        "## Columns",
        "",
    ]
    for f in schema:
        doc = COLUMN_DOCS.get(f.name, "")
        lines.append(f"- `{f.name}` ({_dtype_name(f.type)}){': ' + doc if doc else ''}")
    example = _example(frame, split_column)
    if example:
        name = f" `{info.template}`" if info.template else ""
        fence = "`" * max(3, _longest_backtick_run(example) + 1)
        lines += [
            "",
            "## Template",
            "",
            f"The template{name} renders each example like this (first training example):",
        ]
        lines += ["", f"{fence}text", example, fence]
    lines += _usage(repo, schema)
    return "\n".join(lines).rstrip() + "\n"


def _usage(repo: str, schema: pa.Schema) -> list[str]:
    names = set(schema.names)
    lines = [
        "",
        "## Use it",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'ds = load_dataset("{repo}")',
        "```",
        "",
        "### Train with yc",
        "",
        "`yc train lora.yml` reads Axolotl-style YAML:",
        "",
        "```yaml",
        "base_model: HuggingFaceTB/SmolLM2-135M-Instruct",
        "adapter: lora",
        "lora_r: 16",
        "lora_alpha: 32",
        "lora_target_linear: true",
        "datasets:",
        f"  - path: {repo}",
        "    type: completion",
        "sequence_len: 2048",
        "sample_packing: true",
        "micro_batch_size: 2",
        "num_epochs: 3",
        "learning_rate: 2e-4",
        "output_dir: ./outputs/lora",
        "```",
        "",
        "### Train with Axolotl",
        "",
        "```yaml",
        "datasets:",
        f"  - path: {repo}",
        "    type: completion",
        "    field: text",
    ]
    if "messages" in names:
        lines += [
            "# or, as chat:",
            f"#  - path: {repo}",
            "#    type: chat_template",
            "#    field_messages: messages",
        ]
    lines.append("```")
    return lines


def _example(frame: pl.DataFrame, split_column: str) -> str | None:
    if frame.height == 0:
        return None
    rows = frame
    if split_column in frame.columns and (frame.get_column(split_column) == "train").any():
        rows = frame.filter(pl.col(split_column) == "train")
    row = rows.row(0, named=True)
    text = row.get("text")
    if not text and (row.get("prompt") or row.get("completion")):
        text = f"{row.get('prompt') or ''}{row.get('completion') or ''}"
    if not text:
        return None
    text = str(text)
    if len(text) > EXAMPLE_CHARS:
        text = text[:EXAMPLE_CHARS].rstrip() + " … (truncated)"
    return text


def _longest_backtick_run(text: str) -> int:
    best = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        best = max(best, run)
    return best


def _dtype_name(t: pa.DataType) -> str:
    if pa.types.is_struct(t):
        return "{" + ", ".join(f"{f.name}: {_dtype_name(f.type)}" for f in t) + "}"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"list of {_dtype_name(t.value_type)}"
    return _dtype(t)


def _cell(value: str) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")
