"""The held-out examples of a training config: never trained on, read from the same ``datasets``.

Which rows are held out (the same rule as training, ``yc_train.data``):

1. rows whose ``split`` column is ``test`` (never seen in training, not even for eval loss);
2. else rows whose ``split`` is ``validation`` (or val/valid/eval/dev): training only computed eval
   loss on them;
3. else (no split column) the ``val_set_size`` split training made: the same seeded shuffle of the
   tokenized samples, mapped back to their rows.

The training split (what the model learned from) supplies the creator's recurring phrases and the
embedding centroid.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from yc_curate.templates.special import ZWSP
from yc_train.errors import TrainError

if TYPE_CHECKING:
    from yc_train.config import DatasetConfig, TrainConfig


@dataclass
class HeldOut:
    """One held-out example: tokenized samples (prompt masked) and, when known, prompt + real transcript."""

    samples: list[tuple[list[int], list[int]]]
    prompt: str | None
    reference: str
    title: str | None = None
    summary: str | None = None
    key: str = ""


@dataclass
class EvalSet:
    heldout: list[HeldOut]
    train_texts: list[str]
    rule: str  # "split=test" | "split=validation" | "val_set_size=0.1"
    notes: list[str] = field(default_factory=list)


def clean_text(text: str | None, tokenizer: Any) -> str:
    """A stored completion as plain prose: no BOS/EOS literals, no neutralising zero-width spaces."""
    s = (text or "").replace(ZWSP, "")
    for tok in (tokenizer.eos_token, tokenizer.bos_token, "</s>", "<s>"):
        if tok:
            s = s.strip()
            if s.endswith(tok):
                s = s[: -len(tok)]
            if s.startswith(tok):
                s = s[len(tok) :]
    return s.strip()


def _reference(row: dict, fmt_field: str | None, tokenizer: Any) -> str:
    if row.get("completion") is not None:
        return clean_text(row["completion"], tokenizer)
    for key in (fmt_field, "transcript", "output", "text"):
        if key and row.get(key):
            return clean_text(str(row[key]), tokenizer)
    return ""


def load_eval_set(
    cfg: TrainConfig, tokenizer: Any, template: Any | None = None, limit: int | None = None
) -> EvalSet:
    """Held-out examples (at most ``limit``) and the training texts of ``cfg.datasets``."""
    from yc_train.data import VAL_SPLITS, _val_count
    from yc_train.data.formats import dataset_formatter, tokenize_rows
    from yc_train.data.sources import read_source

    seq_len = cfg.sequence_len
    entries = cfg.datasets
    if not entries:
        raise TrainError("the config has no datasets", "add datasets: [{path: ..., type: completion}]")
    per_entry = []
    for entry in entries:
        src = read_source(entry)
        fmt = dataset_formatter(entry, cfg.model_copy(update={"train_on_inputs": False}), tokenizer)
        per_entry.append((entry, src.rows, fmt))

    has_split = any(any("split" in r for r in rows) for _, rows, _ in per_entry)
    test_exists = has_split and any(r.get("split") == "test" for _, rows, _ in per_entry for r in rows)
    held_rows: list[tuple[dict, Any, DatasetConfig]] = []
    train_rows: list[tuple[dict, Any, DatasetConfig]] = []
    rule = ""
    if has_split:
        rule = "split=test" if test_exists else "split=validation"
        for e, rows, fmt in per_entry:
            want = e.split or "train"
            for r in rows:
                s = r.get("split") or "train"
                if (s == "test") if test_exists else (s in VAL_SPLITS):
                    held_rows.append((r, fmt, e))
                elif s == want:
                    train_rows.append((r, fmt, e))
    held: list[HeldOut] = []
    if has_split and held_rows:
        for r, fmt, e in held_rows:
            pairs, _ = tokenize_rows([r], fmt, tokenizer, seq_len)
            if pairs:
                held.append(_held(r, pairs, e, tokenizer, template))
    else:
        # no split column: the recipe's val_set_size split over tokenized samples
        val_size = cfg.val_set_size
        if not val_size:
            raise TrainError(
                "no held-out data: the dataset has no validation/test split and val_set_size is 0",
                "set val_set_size: 0.1 (and retrain), or curate with a validation split (yc curate --val 0.1)",
            )
        rule = f"val_set_size={val_size}"
        train_rows = []
        owners: list[int] = []
        row_pairs: list[tuple[dict, Any, DatasetConfig, list]] = []
        for e, rows, fmt in per_entry:
            for r in rows:
                pairs, _ = tokenize_rows([r], fmt, tokenizer, seq_len)
                row_pairs.append((r, fmt, e, pairs))
                owners += [len(row_pairs) - 1] * len(pairs)
        order = list(range(len(owners)))
        random.Random(cfg.seed).shuffle(order)
        val_idx = set(order[: _val_count(len(order), val_size)])
        for i, (r, fmt, e, pairs) in enumerate(row_pairs):
            mine = [j for j, o in enumerate(owners) if o == i]
            if mine and all(j in val_idx for j in mine):
                held.append(_held(r, pairs, e, tokenizer, template))
            elif not any(j in val_idx for j in mine):
                train_rows.append((r, fmt, e))
    if not held:
        raise TrainError(
            "no held-out examples found", "curate with a validation/test split or set val_set_size"
        )
    if limit:
        held = held[: int(limit)]
    train_texts = [t for t in (_reference(r, e.field, tokenizer) for r, _, e in train_rows) if t]
    return EvalSet(held, train_texts, rule)


def _held(row: dict, pairs: list, entry: DatasetConfig, tokenizer: Any, template: Any | None) -> HeldOut:
    prompt = row.get("prompt")
    title, summary = row.get("title"), row.get("summary")
    if prompt is None and title and template is not None:
        prompt = template.render_prompt(title, summary)
    key = str(row.get("video_id") or row.get("id") or title or len(pairs))
    if row.get("chunk") is not None:
        key += f"#{row['chunk']}"
    return HeldOut(pairs, prompt, _reference(row, entry.field, tokenizer), title, summary, key)
