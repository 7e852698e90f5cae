"""Training data: read datasets, tokenize with masking, split off validation, cache, pack.

Entry points: ``prepare(cfg)`` (what ``yc preprocess`` runs: tokenize + pack + cache, returns stats) and
``load(cfg, tokenizer)`` (what training uses; reuses the cache).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yc_train.data.formats import TokenStats, dataset_formatter, tokenize_rows
from yc_train.data.sources import read_source
from yc_train.errors import TrainError
from yc_train.packing import Samples, pack_bfd, packing_efficiency

log = logging.getLogger(__name__)

DATA_FORMAT_VERSION = "yc-data-2"  # 2: Axolotl masks, BOS only where the tokenizer adds one
VAL_SPLITS = ("validation", "val", "valid", "eval", "dev")


@dataclass
class Prepared:
    """Tokenized train / validation samples plus what went into them."""

    train: Samples
    val: Samples
    key: str
    cache_dir: Path | None
    stats: dict[str, Any] = field(default_factory=dict)
    template_json: Path | None = None
    from_cache: bool = False


def _entry_key(entry: Any) -> dict[str, Any]:
    """What a datasets entry contributes to the cache key (its set keys)."""
    return entry.model_dump(exclude_none=True)


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """What about a tokenizer changes token ids: vocabulary, merges, special tokens and the chat template."""
    h = hashlib.sha256()
    backend = getattr(tokenizer, "backend_tokenizer", None)
    h.update(
        (backend.to_str() if backend is not None else str(sorted(tokenizer.get_vocab().items()))).encode()
    )
    h.update(json.dumps(tokenizer.special_tokens_map, sort_keys=True, default=str).encode())
    h.update(str(getattr(tokenizer, "chat_template", "") or "").encode())
    h.update(f"{tokenizer.bos_token_id}:{tokenizer.eos_token_id}:{len(tokenizer)}".encode())
    return h.hexdigest()[:16]


def _val_count(n: int, val_set_size: float) -> int:
    """Rows for validation; never fails for small data (at least one train row stays)."""
    if not val_set_size or n < 2:
        return 0
    want = round(val_set_size * n) if val_set_size < 1 else int(val_set_size)
    return max(1, min(want, n - 1))


def _split_rows(rows: list[dict], split: str | None) -> tuple[list[dict], list[dict]]:
    """Rows of ``split`` for training; when that is ``train``, rows marked validation become the eval set."""
    if not rows or not any("split" in r for r in rows):
        return rows, []
    split = split or "train"
    train = [r for r in rows if (r.get("split") or "train") == split]
    val = [r for r in rows if r.get("split") in VAL_SPLITS] if split == "train" else []
    return train, val


def _save(path: Path, samples: Samples) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.table(
        {
            "input_ids": pa.array(samples.input_ids, type=pa.list_(pa.int32())),
            "labels": pa.array(samples.labels, type=pa.list_(pa.int32())),
        }
    )
    pq.write_table(t, path)


def _read(path: Path) -> Samples:
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    return Samples(t.column("input_ids").to_pylist(), t.column("labels").to_pylist())


def load(cfg: Any, tokenizer: Any, *, use_cache: bool = True) -> Prepared:
    """Tokenized samples for ``cfg`` (from the cache under ``dataset_prepared_path`` when the key matches)."""
    seq_len = cfg.sequence_len
    train_on_inputs = cfg.train_on_inputs
    val_size = cfg.val_set_size
    seed = cfg.seed
    entries = list(cfg.datasets or [])
    if not entries:
        raise TrainError("the config has no datasets", "add datasets: [{path: ..., type: completion}]")
    test_entries = list(cfg.test_datasets or [])
    sources = [read_source(e) for e in entries]
    test_sources = [read_source(e) for e in test_entries]
    key_src = {
        "v": DATA_FORMAT_VERSION,
        "tok": tokenizer_fingerprint(tokenizer),
        "datasets": [_entry_key(e) for e in entries],
        "test_datasets": [_entry_key(e) for e in test_entries],
        "test_fingerprints": [s.fingerprint for s in test_sources],
        "shuffle_merged_datasets": cfg.shuffle_merged_datasets,
        "eot_tokens": cfg.eot_tokens,
        "chat_template_kwargs": cfg.chat_template_kwargs,
        "fingerprints": [s.fingerprint for s in sources],
        "sequence_len": seq_len,
        "train_on_inputs": train_on_inputs,
        "val_set_size": val_size,
        "seed": seed,
    }
    key = hashlib.sha256(json.dumps(key_src, sort_keys=True, default=str).encode()).hexdigest()[:16]
    template = next((s.template_json for s in sources if s.template_json), None)
    prepared_root = cfg.dataset_prepared_path
    cache_dir = Path(prepared_root) / key if prepared_root else None
    if use_cache and cache_dir is not None and (cache_dir / "meta.json").is_file():
        meta = json.loads((cache_dir / "meta.json").read_text())
        log.info("tokenized data from cache %s (key %s)", cache_dir, key)
        return Prepared(
            _read(cache_dir / "train.parquet"),
            _read(cache_dir / "val.parquet"),
            key,
            cache_dir,
            meta["stats"],
            template,
            from_cache=True,
        )

    total = TokenStats()
    train_pairs: list[tuple[list[int], list[int]]] = []
    val_pairs: list[tuple[list[int], list[int]]] = []
    for entry, src in zip(entries, sources, strict=True):
        fmt = dataset_formatter(entry, cfg, tokenizer)
        rows_train, rows_val = _split_rows(src.rows, entry.split)
        for part, target in ((rows_train, train_pairs), (rows_val, val_pairs)):
            pairs, st = tokenize_rows(part, fmt, tokenizer, seq_len)
            target.extend(pairs)
            for k, v in st.as_dict().items():
                setattr(total, k, getattr(total, k) + v)
    rng = random.Random(seed)
    if cfg.shuffle_merged_datasets:  # Axolotl's default: the merged datasets in one shuffled order
        rng.shuffle(train_pairs)
    if test_entries:  # test_datasets: the eval set, instead of any split of the training data
        val_pairs = []
        for entry, src in zip(test_entries, test_sources, strict=True):
            pairs, _ = tokenize_rows(
                _split_rows(src.rows, entry.split)[0],
                dataset_formatter(entry, cfg, tokenizer),
                tokenizer,
                seq_len,
            )
            val_pairs.extend(pairs)
    elif not val_pairs:
        order = list(range(len(train_pairs)))
        rng.shuffle(order)
        n_val = _val_count(len(order), val_size)
        val_idx = set(order[:n_val])
        val_pairs = [p for i, p in enumerate(train_pairs) if i in val_idx]
        train_pairs = [p for i, p in enumerate(train_pairs) if i not in val_idx]
    if not train_pairs:
        raise TrainError(
            "no training samples left after tokenizing", "check the dataset type/field and sequence_len"
        )
    train = Samples([p[0] for p in train_pairs], [p[1] for p in train_pairs])
    val = Samples([p[0] for p in val_pairs], [p[1] for p in val_pairs])
    stats: dict[str, Any] = {
        **total.as_dict(),
        "train_samples": len(train),
        "val_samples": len(val),
        "train_tokens": sum(train.lengths()),
        "trained_tokens": sum(sum(1 for y in ys if y != -100) for ys in train.labels),
    }
    if cache_dir is not None:  # per-process temp dir + atomic rename: parallel ranks never see half a cache
        tmp = cache_dir.with_name(f"{cache_dir.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        _save(tmp / "train.parquet", train)
        _save(tmp / "val.parquet", val)
        (tmp / "meta.json").write_text(
            json.dumps({"key": key, "inputs": key_src, "stats": stats}, default=str)
        )
        try:
            tmp.rename(cache_dir)
        except OSError:  # another process finished first (same key, same content)
            shutil.rmtree(tmp, ignore_errors=True)
    return Prepared(train, val, key, cache_dir, stats, template)


def pack_stats(samples: Samples, sequence_len: int) -> dict[str, Any]:
    lengths = samples.lengths()
    bins = pack_bfd(lengths, sequence_len)
    return {
        "bins": len(bins),
        "packing_efficiency": round(packing_efficiency(lengths, bins, sequence_len), 4),
    }


def prepare(cfg: Any) -> dict[str, Any]:
    """Tokenize + pack + cache the datasets of ``cfg`` (``yc preprocess``); returns stats incl. packing efficiency.

    Keys: ``key`` (hash of everything that affects tokenization), ``cache_dir``, ``from_cache``, row/sample/token
    counts (``dropped_too_long``, ``split_rows``...), ``bins`` and ``packing_efficiency`` when sample_packing.
    """
    from yc_train.model_setup import load_tokenizer

    tokenizer, _added = load_tokenizer(cfg)
    prep = load(cfg, tokenizer)
    out: dict[str, Any] = {
        "key": prep.key,
        "cache_dir": str(prep.cache_dir) if prep.cache_dir else None,
        "from_cache": prep.from_cache,
        **prep.stats,
    }
    if cfg.sample_packing:
        out.update(pack_stats(prep.train, cfg.sequence_len))
    return out
