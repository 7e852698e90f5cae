"""The dataset browser's queries over a real 10k-row examples table (yc_cli.store, Delta)."""

from __future__ import annotations

import time

import polars as pl

from yc_cli.store import Store
from yc_cli.ui.dataset_query import Filters, example, histogram, overview, page, segments


def test_pages_cover_the_table_in_order(ui_workspace):
    store = Store(ui_workspace)
    first = page(store, Filters(), 1, 50)
    assert first["total"] == 10_000 and first["pages"] == 200 and len(first["rows"]) == 50
    last = page(store, Filters(), 200, 50)
    assert [(r["video_id"], r["chunk"]) for r in last["rows"]][-1] == ("vid04999", 1)
    assert page(store, Filters(), 999, 50)["page"] == 200  # clamped, not empty
    keys = [(r["video_id"], r["chunk"]) for r in first["rows"]]
    assert keys == sorted(keys) and keys[0] == ("vid00000", 0)


def test_filters_match_a_direct_polars_count(ui_workspace):
    store = Store(ui_workspace)
    raw = pl.read_delta(str(ui_workspace / "examples"))
    f = Filters(split="validation", template="fireship", min_tokens=100, max_tokens=400)
    want = raw.filter(
        (pl.col("split") == "validation")
        & (pl.col("template") == "fireship")
        & pl.col("n_tokens").is_between(100, 400)
    ).height
    got = page(store, f, 1, 10)
    assert got["total"] == want > 0
    assert all(r["split"] == "validation" and 100 <= r["n_tokens"] <= 400 for r in got["rows"])


def test_search_is_case_insensitive_and_literal(ui_workspace):
    store = Store(ui_workspace)
    hit = page(store, Filters(query="NEEDLE-in-the"), 1, 10)
    assert hit["total"] == 1 and hit["rows"][0]["video_id"] == "vid00004"
    assert "needle-in-the-haystack" in hit["rows"][0]["snippet"]
    assert page(store, Filters(query="(.*)"), 1, 10)["total"] == 0  # not a regex
    assert page(store, Filters(query="<script>"), 1, 10)["total"] == 1


def test_histogram_counts_every_filtered_row(ui_workspace):
    store = Store(ui_workspace)
    h = histogram(store, Filters(), bins=40)
    assert sum(h["counts"]) == h["total"] == 10_000 and len(h["edges"]) == len(h["counts"]) + 1
    raw = pl.read_delta(str(ui_workspace / "examples"))
    assert h["edges"][0] == raw["n_tokens"].min() and h["edges"][-1] > raw["n_tokens"].max()
    assert (
        sum(histogram(store, Filters(split="test"))["counts"]) == raw.filter(pl.col("split") == "test").height
    )


def test_overview_lists_splits_and_templates(ui_workspace):
    info = overview(Store(ui_workspace))
    assert info == {
        "rows": 10_000, "version": 0, "splits": ["test", "train", "validation"],
        "templates": ["alpaca", "fireship"], "exists": True,
    }  # fmt: skip
    assert overview(Store(ui_workspace.parent / "nothing"))["exists"] is False


def test_an_example_brings_its_video_and_transcript_rows(ui_workspace):
    store = Store(ui_workspace)
    ex = example(store, "vid00001", 0)
    assert ex["video"]["status"] == "failed" and ex["video"]["error"] == "HTTP 403 on audio"
    assert ex["transcript"]["backend"] == "faster-whisper"
    flagged = example(store, "vid00002", 0)
    assert flagged["transcript"]["flags"] == ["hallucination"]
    assert example(store, "vid00001", 7) is None
    assert example(store, "vid04000", 0)["video"] is None  # no row behind it: shown as none, not an error


def test_special_tokens_are_found_only_where_the_template_put_them():
    assert segments("<|im_start|>hi<\u200b/s> [INST] x</s>") == [
        {"token": "<|im_start|>"}, {"text": "hi<\u200b/s> "}, {"token": "[INST]"}, {"text": " x"}, {"token": "</s>"},
    ]  # fmt: skip
    assert segments("") == [] and segments("plain") == [{"text": "plain"}]


def test_a_page_of_100k_rows_stays_fast(tmp_path, ui_workspace):
    """Ten copies of the 10k table: a filtered, searched page still answers well under a second."""
    raw = pl.read_delta(str(ui_workspace / "examples"))
    big = pl.concat([raw.with_columns(pl.col("video_id") + f"-{k}") for k in range(10)])
    store = Store(tmp_path / "big")
    store.append("examples", big, stage="render")
    start = time.perf_counter()
    got = page(store, Filters(split="validation", query="needle"), 1, 50)
    took = time.perf_counter() - start
    assert got["total"] == 10
    assert page(store, Filters(), 1500, 50)["rows"][0]["video_id"].startswith("vid")
    assert took < 3.0, took  # 0.1-0.6 s measured on this 2-core machine
