"""yc curate end to end on a real workspace: captions -> transcripts -> summaries (real openai client against
a loopback fake) -> examples; filters, dedup, split, report, template.json, and incremental reruns."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.support.fake_openai import FakeOpenAI
from yc_cli.stages import curate as curate_stage
from yc_cli.stages.render import current_examples
from yc_cli.store import Store
from yc_curate.templates import get_template

TOPICS = ["Rust", "Go", "Zig", "Python", "Kotlin", "Elixir", "Haskell", "Swift"]


VOCAB = [
    "memory",
    "safety",
    "speed",
    "compiler",
    "borrow",
    "checker",
    "thread",
    "async",
    "await",
    "syntax",
    "package",
    "manager",
    "build",
    "test",
    "deploy",
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
]


def _words(topic: str, n: int = 60) -> str:
    """Varied sentences about ``topic`` (repetitive text would be flagged as a hallucination)."""
    rng = random.Random(topic)
    sentences = []
    while sum(len(x.split()) for x in sentences) < n:
        sentences.append(f"{topic} " + " ".join(rng.choice(VOCAB) for _ in range(rng.randint(6, 12))) + ".")
    return " ".join(sentences)


def _video(store: Store, vid: str, title: str, captions: str | None, day: int) -> None:
    caps = (
        {"lang": "en", "kind": "manual", "text": captions, "segments": []} if captions is not None else None
    )
    store.append(
        "videos",
        [
            {
                "video_id": vid,
                "title": title,
                "status": "ok",
                "source": "test",
                "upload_date": date(2024, 1, day),
                "captions": caps,
            }
        ],
        stage="collect",
    )


def _transcript(
    store: Store, vid: str, text: str, *, status: str = "ok", flags: tuple[str, ...] = ()
) -> None:
    store.append(
        "transcripts",
        [
            {
                "video_id": vid,
                "backend": "test",
                "model": "t",
                "language": "en",
                "text": text,
                "status": status,
                "flags": list(flags),
                "params_hash": "h",
            }
        ],
        stage="transcribe",
    )


@pytest.fixture
def fake_openai(monkeypatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-123456")
    fake = FakeOpenAI().start()
    try:
        yield fake
    finally:
        fake.stop()


def _opts(fake: FakeOpenAI, **render):
    return {
        "transcribe": {"backend": "captions"},
        "summarize": {"summarizer": "openai", "model": "fake", "base_url": fake.base_url},
        "render": {"template": "fireship", "persona": "Fireship", "validation": 0.3, "seed": "s", **render},
    }


def test_curate_chain_is_incremental(workspace: Path, fake_openai: FakeOpenAI) -> None:
    store = Store(workspace)
    for i, topic in enumerate(TOPICS[:4]):
        _video(store, f"v{i}", f"{topic} in 100 seconds", _words(topic), i + 1)
    _video(
        store, "dup", "Rust in 100 seconds (reupload)", _words("Rust").upper(), 10
    )  # exact duplicate of v0
    _video(store, "short", "Teaser", "coming soon", 11)

    out = curate_stage.run(store, **_opts(fake_openai))
    assert out["transcribe"]["ok"] == 6
    assert out["summarize"]["summarized"] == 6 and len(fake_openai.requests) == 6
    render = out["render"]
    assert render["rendered_videos"] == 4 and render["examples"] == 4
    steps = {s["name"]: s for s in render["report"]["steps"]}
    assert steps["filter"]["detail"] == {"too_short": 1}
    assert steps["dedup"]["detail"] == {"duplicate": 1}

    ex = current_examples(store)
    assert sorted(ex["video_id"]) == ["v0", "v1", "v2", "v3"]
    row = ex.filter(pl.col("video_id") == "v0").row(0, named=True)
    assert row["text"] == row["prompt"] + row["completion"]
    assert row["prompt"].startswith("<s>\n[INST]\nYou are a YouTuber called Fireship, ")
    assert (
        "Given the title of the video: Rust in 100 seconds\nand a small summary: A video about Rust in 100 seconds."
        in row["prompt"]
    )
    assert row["completion"].endswith("\n</s>") and row["split"] in ("train", "validation")
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]

    # template.json rebuilds the same prompt (what training and yc infer do)
    desc = json.loads((workspace / "template.json").read_text())
    tpl = get_template(desc["template"], **desc["params"])
    assert tpl.render_prompt(row["title"], row["summary"]) == row["prompt"]
    assert (workspace / "reports" / "tokens.png").stat().st_size > 1000

    # one new video: only it is transcribed, summarised and rendered
    before = {r["video_id"]: r["created_at"] for r in ex.iter_rows(named=True)}
    _video(store, "v9", "Elixir in 100 seconds", _words("Elixir"), 20)
    out = curate_stage.run(store, **_opts(fake_openai))
    assert out["transcribe"]["ok"] == 1
    assert out["summarize"]["summarized"] == 1 and len(fake_openai.requests) == 7
    assert out["render"]["rendered_videos"] == 1 and out["render"]["examples_written"] == 1
    ex = current_examples(store)
    assert len(ex) == 5
    assert {
        r["video_id"]: r["created_at"] for r in ex.iter_rows(named=True) if r["video_id"] != "v9"
    } == before

    # nothing new: nothing rendered; new persona: everything rendered again under a new params_hash
    assert curate_stage.run(store, **_opts(fake_openai))["render"]["rendered_videos"] == 0
    out = curate_stage.run(store, **_opts(fake_openai, persona="Theo"))
    assert out["render"]["rendered_videos"] == 5
    ex = current_examples(store)
    assert len(ex) == 5 and all("called Theo," in p for p in ex["prompt"])


def test_filters_split_and_chunking_with_a_tokenizer(workspace: Path, smollm2_dir: Path) -> None:
    from transformers import AutoTokenizer

    from yc_cli.stages import render as render_stage

    store = Store(workspace)
    for i, topic in enumerate(TOPICS):
        _video(store, f"v{i}", f"{topic} in 100 seconds", None, i + 1)
        _transcript(store, f"v{i}", _words(topic))
    _video(store, "long", "Everything about Rust", None, 15)
    _transcript(store, "long", " ".join(_words(t, 100) for t in TOPICS))
    _video(store, "hallu", "Music", None, 16)
    _transcript(store, "hallu", _words("Music"), flags=("hallucination",))
    _video(store, "empty", "Silence", None, 17)
    _transcript(store, "empty", "", status="empty")
    _video(store, "near", "Go in 100 seconds again", None, 18)
    _transcript(store, "near", _words("Go") + " Thanks for watching.")

    def render() -> dict:
        return render_stage.run(
            store,
            summary_hash="none",
            tokenizer=str(smollm2_dir),
            max_tokens=200,
            validation=0.25,
            test=0.25,
            seed="x",
        )

    res = render()
    steps = {s["name"]: s["detail"] for s in res["report"]["steps"]}
    assert steps["filter"] == {"empty": 1, "hallucination": 1}
    assert steps["dedup"] == {"near_duplicate": 1}
    assert steps["render"]["split_videos"] == 1
    ex = current_examples(store)
    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    for row in ex.iter_rows(named=True):
        ids = tok(row["text"], add_special_tokens=False)["input_ids"]
        assert row["n_tokens"] == len(ids) <= 200
        assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
        assert "small summary" not in row["prompt"]  # summarizer none: title only
    long = ex.filter(pl.col("video_id") == "long").sort("chunk")
    assert long["chunk"].to_list() == list(range(len(long))) and len(long) > 3
    assert long["prompt"].n_unique() == 1 and long["split"].n_unique() == 1
    assert ex.group_by("video_id").agg(pl.col("split").n_unique())["split"].max() == 1
    assert set(ex["split"]) <= {"train", "validation", "test"}
    assert res["tokens"] == sum(ex["n_tokens"])

    # a newer, shorter transcript of the long video: rendered again, its old extra chunks leave the dataset
    _transcript(store, "long", _words("Rust", 150))
    res = render()
    assert res["rendered_videos"] == 1
    long2 = current_examples(store).filter(pl.col("video_id") == "long")
    assert 1 <= len(long2) < len(long) and long2["chunk"].to_list() == list(range(len(long2)))

    # --long drop: the long video is gone, the others stay
    res = render_stage.run(
        store, summary_hash="none", tokenizer=str(smollm2_dir), max_tokens=200, long="drop"
    )
    assert res["report"]["steps"][-1]["detail"]["too_long"] == 1
    assert "long" not in set(current_examples(store)["video_id"])


def test_cli_render_and_report(workspace: Path, capsys) -> None:
    from yc_cli.app import main

    store = Store(workspace)
    for i, topic in enumerate(TOPICS[:3]):
        _video(store, f"v{i}", f"{topic} in 100 seconds", None, i + 1)
        _transcript(store, f"v{i}", _words(topic))
    rc = main(
        [
            "--workspace",
            str(workspace),
            "render",
            "--summarizer",
            "none",
            "--template",
            "alpaca",
            "--persona",
            "Me",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "curate report" in err and "tokens (approx.) per example" in err
    ex = current_examples(store)
    assert len(ex) == 3 and all(t.startswith("<s>Below is an instruction") for t in ex["text"])
    assert ex["n_tokens"].null_count() == 3  # no --tokenizer: no token counts stored
    rc = main(["--workspace", str(workspace), "render", "--template", "firship"])
    assert rc == 1 and "fireship" in capsys.readouterr().err


def test_cli_curate_runs_the_whole_chain(workspace: Path, capsys) -> None:
    from yc_cli.app import main

    store = Store(workspace)
    for i, topic in enumerate(TOPICS[:3]):
        _video(store, f"v{i}", f"{topic} in 100 seconds", _words(topic), i + 1)
    args = ["--workspace", str(workspace), "curate", "--backend", "captions", "--summarizer", "none"]
    assert main([*args, "--template", "fireship", "--persona", "Theo"]) == 0, capsys.readouterr().err
    ex = current_examples(store)
    assert len(ex) == 3 and all("called Theo," in p for p in ex["prompt"])
    assert len(store.current("transcripts")) == 3
    _video(store, "v3", "Kotlin in 100 seconds", _words("Kotlin"), 9)
    assert main([*args, "--template", "fireship", "--persona", "Theo"]) == 0
    assert "curate report" in capsys.readouterr().err
    assert store.history("examples")[0]["rows"] == 1  # only the new video was rendered
    assert len(current_examples(store)) == 4
