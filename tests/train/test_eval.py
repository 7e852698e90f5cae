"""yc eval: after a short LoRA run on the synthetic creator, the fine-tuned model is measurably closer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.creator import trained_run


@pytest.mark.slow
def test_eval_fine_tuned_beats_base(
    tmp_path_factory: pytest.TempPathFactory, smollm2_dir: Path, capfd
) -> None:
    """Held-out perplexity falls and the catchphrase rate rises; table, markdown, json and PNG are written."""
    from yc_cli.app import main

    cfg_file, out = trained_run(tmp_path_factory.getbasetemp() / "creator-run", smollm2_dir)
    capfd.readouterr()  # drop what training printed
    rc = main(["eval", str(cfg_file), "--limit", "2", "--max-new-tokens", "24", "--json"])
    captured = capfd.readouterr()
    assert rc == 0, captured.err
    report = json.loads(captured.out)
    base, tuned, creator = (report["models"][k] for k in ("base", "fine-tuned", "creator"))

    assert report["held_out_rule"] == "split=test" and report["examples"] == 2
    assert tuned["perplexity"] < base["perplexity"] / 2
    assert tuned["phrases_per_1k"] > base["phrases_per_1k"]
    assert any("zorp zorp fellow builders" in p for p in report["phrases"])
    assert creator["phrases_per_1k"] > 0
    assert tuned["embed_similarity"] > base["embed_similarity"]
    # the creator speaks in short sentences; the fine-tuned model's pacing is closer than the base's
    assert abs(tuned["words_per_sentence"] - creator["words_per_sentence"]) < abs(
        base["words_per_sentence"] - creator["words_per_sentence"]
    )

    folder = out / "eval"
    for name in ("report.json", "report.md", "chart.png", "generations.jsonl"):
        assert (folder / name).is_file(), name
    assert (folder / "chart.png").read_bytes()[:4] == b"\x89PNG"
    md = (folder / "report.md").read_text()
    assert "| held-out perplexity (completion tokens) |" in md and "fine-tuned" in md
    gens = [json.loads(line) for line in (folder / "generations.jsonl").read_text().splitlines()]
    assert {g["model"] for g in gens} == {"base", "fine-tuned"} and len(gens) == 4
    saved = json.loads((folder / "report.json").read_text())
    assert saved["models"]["fine-tuned"]["perplexity"] == pytest.approx(tuned["perplexity"])
