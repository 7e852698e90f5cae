"""Test data for the publish tests: an examples frame and a workspace with all four tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from tests.support.fake_hub import FakeHub

TOKEN = "hf_fake_write_token_0123456789"


def example_rows(n: int, *, template: str = "fireship", words: int = 40) -> list[dict]:
    rows = []
    for i in range(n):
        title = f"Video {i} in 100 seconds"
        summary = f"A short video about topic {i}."
        body = " ".join(f"word{i}_{j}" for j in range(words))
        prompt = (
            f"<s>[INST]\nGiven the title of the video: {title}\nand a small summary: {summary}\n[/INST]\n"
        )
        completion = f"{body}\n</s>"
        rows.append(
            {
                "video_id": f"vid{i:03d}",
                "chunk": 0,
                "template": template,
                "split": "train" if i % 5 else ("validation" if i % 10 else "test"),
                "title": title,
                "summary": summary,
                "prompt": prompt,
                "completion": completion,
                "text": prompt + completion,
                "messages": [
                    {"role": "user", "content": f"{title}\n{summary}"},
                    {"role": "assistant", "content": body},
                ],
                "n_tokens": 30 + i,
                "params_hash": "p1",
            }
        )
    return rows


def examples_frame(n: int) -> pl.DataFrame:
    frame = pl.DataFrame(example_rows(n)).with_columns(
        pl.col("chunk").cast(pl.Int32), pl.col("n_tokens").cast(pl.Int32)
    )
    return frame.with_columns(
        pl.col("video_id")
        .str.slice(3)
        .cast(pl.Int32)
        .map_elements(lambda i: dt.date(2024, 1, 1) + dt.timedelta(days=i), return_dtype=pl.Date)
        .alias("upload_date")
    ).select(
        "video_id",
        "chunk",
        "title",
        "upload_date",
        "text",
        "prompt",
        "completion",
        "messages",
        "n_tokens",
        "split",
    )


def build_workspace(root: Path, n: int = 12) -> None:
    """videos, transcripts, summaries and examples (v0) for ``n`` videos of one channel."""
    from yc_cli.store import Store

    store = Store(root)
    store.append(
        "videos",
        [
            {
                "video_id": f"vid{i:03d}",
                "source": "https://www.youtube.com/@Fireship",
                "channel": "Fireship",
                "title": f"Video {i} in 100 seconds",
                "upload_date": dt.date(2024, 1, 1) + dt.timedelta(days=i),
                "duration_s": 150.0,
                "status": "ok",
            }
            for i in range(n)
        ],
        stage="collect",
    )
    store.append(
        "transcripts",
        [
            {
                "video_id": f"vid{i:03d}",
                "backend": "faster-whisper",
                "model": "tiny.en",
                "language": "en",
                "text": "x",
                "status": "ok",
            }
            for i in range(n)
        ],
        stage="transcribe",
        inputs={"videos": 0},
    )
    store.append(
        "summaries",
        [
            {"video_id": f"vid{i:03d}", "backend": "local", "model": "SmolLM2-135M-Instruct", "summary": "s"}
            for i in range(n)
        ],
        stage="summarize",
        inputs={"transcripts": 0},
    )
    store.append(
        "examples", example_rows(n), stage="render", inputs={"videos": 0, "transcripts": 0, "summaries": 0}
    )


def run_fake_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """For a fixture (``yield from run_fake_hub(monkeypatch)``): a started fake Hub; HF_ENDPOINT / HF_TOKEN point at it and huggingface_hub's offline flag is off."""
    import huggingface_hub.constants as hf_constants

    hub = FakeHub(tokens={TOKEN}).start()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    try:
        yield hub
    finally:
        hub.stop()
