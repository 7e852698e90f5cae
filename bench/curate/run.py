"""Render + tokenize N synthetic transcript rows: yc vs the two ways a user would otherwise do it.

    .venv/bin/python -m bench.curate.run            # 50k rows
    .venv/bin/python -m bench.curate.run --quick    # 5k rows

Same data, same tokenizer (SmolLM2-135M-Instruct, fast tokenizer), same run, each producing the fireship
``text`` and its token count:

- per-row loop: ``text = TEMPLATE.format(...)``; ``len(tokenizer(text)["input_ids"])`` row after row;
- ``datasets.Dataset.map(batched=True)``: the same formatting in a batched function + ``tokenizer(batch)``;
- yc: ``yc_curate.curate.render_examples`` (fireship template with special-token neutralisation, prompt /
  completion / messages, exact token counts from ``yc_curate.token_count.TokenCounter``), one stream over
  all rows as ``yc render`` runs it.

Writes ``bench/results/curate.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from datetime import UTC, datetime
from itertools import accumulate, islice
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

WORDS = [
    "rust",
    "go",
    "python",
    "javascript",
    "typescript",
    "memory",
    "safety",
    "compiler",
    "borrow",
    "checker",
    "thread",
    "async",
    "await",
    "server",
    "client",
    "browser",
    "runtime",
    "garbage",
    "collector",
    "pointer",
    "reference",
    "trait",
    "interface",
    "generic",
    "macro",
    "module",
    "library",
    "framework",
    "function",
    "variable",
    "constant",
    "loop",
    "branch",
    "error",
    "panic",
    "result",
    "option",
    "string",
    "vector",
    "map",
    "developer",
    "engineer",
    "startup",
    "company",
    "open",
    "source",
    "community",
    "release",
    "version",
    "feature",
    "bug",
    "performance",
    "the",
    "a",
    "and",
    "of",
    "to",
    "in",
    "is",
    "it",
    "that",
    "this",
    "for",
    "you",
    "with",
    "on",
    "was",
    "are",
    "be",
    "at",
    "as",
    "have",
    "but",
    "not",
    "what",
    "all",
    "were",
    "when",
    "we",
    "there",
    "can",
    "an",
]

FIRESHIP = (
    "{bos}\n[INST]\nYou are a YouTuber called Fireship, creating engaging, high-intensity coding tutorials and "
    "tech news.\nYou cover a wide range of topics relevant to programmers, aiming to help them learn and improve "
    "their skills quickly.\n\nGiven the title of the video: {title}\nand a small summary: {summary}\n[/INST]\n\n"
    "Generate the video: {transcript}\n{eos}"
)


def vocabulary(size: int = 20_000, seed: int = 1) -> list[str]:
    """``WORDS`` first, then pseudo-words built from syllables: a vocabulary as large as a channel's."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou", "er")]
    words = list(dict.fromkeys(WORDS))
    seen = set(words)
    while len(words) < size:
        w = "".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def make_rows(n: int, seed: int = 0) -> list[dict]:
    """Transcript-like rows: Zipf-distributed words (20k vocabulary) in sentences with capitals, commas,
    numbers and question marks; every 50th transcript contains a ``</s>`` that must stay data."""
    rng = random.Random(seed)
    vocab = vocabulary()
    weights = list(accumulate(1.0 / (rank + 1) ** 1.1 for rank in range(len(vocab))))

    def sentence(k: int) -> str:
        words = rng.choices(vocab, cum_weights=weights, k=k)
        for j in range(1, k - 1):
            roll = rng.random()
            if roll < 0.06:
                words[j] += ","
            elif roll < 0.08:
                words[j] = str(rng.randint(0, 2030))
        return words[0].capitalize() + " " + " ".join(words[1:]) + rng.choice(".......?!")

    rows = []
    for i in range(n):
        target, parts = rng.randint(150, 450), []
        while target > 0:
            k = min(target, rng.randint(6, 20))
            parts.append(sentence(max(k, 2)))
            target -= k
        if i % 50 == 0:
            parts.insert(rng.randint(0, len(parts)), "</s>")  # data that looks like a control token
        rows.append(
            {
                "video_id": f"v{i:06d}",
                "title": sentence(5)[:-1].title(),
                "summary": "A video on " + sentence(8),
                "text": " ".join(parts),
            }
        )
    return rows


def per_row_loop(tok, rows: list[dict]) -> int:
    total = 0
    for r in rows:
        text = FIRESHIP.format(
            bos=tok.bos_token, eos=tok.eos_token, title=r["title"], summary=r["summary"], transcript=r["text"]
        )
        total += len(tok(text, add_special_tokens=False)["input_ids"])
    return total


def datasets_map(tok, rows: list[dict]) -> int:
    import datasets

    datasets.disable_progress_bars()
    ds = datasets.Dataset.from_list(rows)

    def fn(batch):
        texts = [
            FIRESHIP.format(bos=tok.bos_token, eos=tok.eos_token, title=t, summary=s, transcript=x)
            for t, s, x in zip(batch["title"], batch["summary"], batch["text"], strict=True)
        ]
        enc = tok(texts, add_special_tokens=False)
        return {"text": texts, "n_tokens": [len(ids) for ids in enc["input_ids"]]}

    t0 = time.perf_counter()
    out = ds.map(fn, batched=True, batch_size=1000, remove_columns=["text"])
    datasets_map.timed = time.perf_counter() - t0
    return int(sum(out["n_tokens"]))


class YcRender:
    """yc as the CLI runs it: one ``render_examples`` stream over all rows (one token counter, its word
    cache warm from the rows before), consumed slice by slice so the timing interleaves with the others."""

    def __init__(self, tok, rows: list[dict]) -> None:
        from yc_curate.curate import CurateConfig, render_examples
        from yc_curate.templates import get_template

        tpl = get_template("fireship", tokenizer=tok)
        self.stream = render_examples(tpl, iter(rows), CurateConfig(), tokenizer=tok)

    def __call__(self, tok, rows: list[dict]) -> int:
        return sum(ex["n_tokens"] for ex in islice(self.stream, len(rows)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5k rows instead of 50k")
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--slices", type=int, default=5, help="interleave the methods over this many slices")
    args = ap.parse_args()
    n = args.rows or (5_000 if args.quick else 50_000)

    from transformers import AutoTokenizer

    from yc_train.bundled_models import smollm2_dir

    tok = AutoTokenizer.from_pretrained(smollm2_dir())
    rows = make_rows(n)
    methods = [
        ("yc render_examples", YcRender(tok, rows)),
        ("datasets.map(batched=True)", datasets_map),
        ("per-row loop", per_row_loop),
    ]
    # The machine is shared: run the methods slice by slice in rotating order, so load changes hit all alike.
    slices = max(1, args.slices)
    size = -(-n // slices)
    results = {name: [0.0, 0] for name, _ in methods}
    for k in range(slices):
        part = rows[k * size : (k + 1) * size]
        order = methods[k % len(methods) :] + methods[: k % len(methods)]
        for name, fn in order:
            t0 = time.perf_counter()
            results[name][1] += fn(tok, part)
            results[name][0] += time.perf_counter() - t0
        print(
            f"slice {k + 1}/{slices}: " + ", ".join(f"{m} {w:.1f}s" for m, (w, _) in results.items()),
            flush=True,
        )
    for name, (wall, tokens) in results.items():
        print(f"{name:28s} {wall:8.2f} s  {n / wall:10.0f} rows/s  tokens {tokens}", flush=True)
    yc = results["yc render_examples"][0]
    lines = [
        "# curate: render + tokenize",
        "",
        f"{n} synthetic transcript rows (150-450 words, Zipf over a 20k-word vocabulary), fireship template, SmolLM2-135M-Instruct tokenizer; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared machine: absolute times are noisy, ratios measured in the same run).",
        "",
        "| method | wall s | rows/s | tokens | yc speed-up |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (wall, tokens) in results.items():
        lines.append(f"| {name} | {wall:.2f} | {n / wall:,.0f} | {tokens:,} | {wall / yc:.2f}x |")
    lines += [
        "",
        "Token totals differ slightly: yc neutralises control strings found in data (the `</s>` in every 50th row",
        "gets a zero-width space); yc also builds prompt, completion and messages per row. yc's counts are exact:",
        "`yc_curate.token_count.TokenCounter` tokenizes each distinct word once and is checked against",
        "`tokenizer(text)` in tests/curate/test_token_count.py. yc runs as one `render_examples` stream over all",
        "rows (as `yc render` does), timed slice by slice.",
        "datasets.map wall time includes building the Dataset from the rows. The methods run slice by slice",
        f"({args.slices} slices) in rotating order so that load from other processes hits all of them alike.",
    ]
    out = Path(__file__).resolve().parents[1] / "results" / "curate.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    for name, (wall, _) in results.items():
        if name != "yc render_examples":
            print(f"yc vs {name}: {wall / yc:.2f}x")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
