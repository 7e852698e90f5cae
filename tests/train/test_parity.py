"""yc's preprocessing against Axolotl's, token for token (goldens written by scripts/axolotl-goldens.sh).

Each case in tests/train/goldens/cases.yaml is an Axolotl config (its dataset part); goldens.json holds the
``input_ids`` and ``labels`` Axolotl's own preprocessing produced for it with the SmolLM2 tokenizer. yc reads the
same config and must produce the same samples, in the same order. Axolotl is not needed to run this.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from yc_train.config import load_config
from yc_train.data import load
from yc_train.model_setup import load_tokenizer

GOLDENS = Path(__file__).parent / "goldens"
CASES = yaml.safe_load((GOLDENS / "cases.yaml").read_text())
RESULTS = json.loads((GOLDENS / "goldens.json").read_text())


def yc_config(case: dict, base_model: Path) -> dict:
    datasets = [{**d, "path": str(GOLDENS / "data" / d["path"])} for d in case["datasets"]]
    cfg = {
        "sequence_len": 512,
        **case,
        "base_model": str(base_model),
        "val_set_size": 0,
        "shuffle_merged_datasets": False,  # as scripts/axolotl-goldens.py runs Axolotl: rows in file order
        "datasets": datasets,
    }
    if case.get("tokenizer_config"):  # relative to the goldens folder
        cfg["tokenizer_config"] = str(GOLDENS / case["tokenizer_config"])
    return cfg


def test_goldens_cover_the_issue_matrix() -> None:
    """>= 15 cases; completion, alpaca variants, input_output, >= 6 named templates, the masking options."""
    assert len(CASES) >= 15 and set(RESULTS["cases"]) == set(CASES)
    types = {d["type"] for c in CASES.values() for d in c["datasets"]}
    assert {"completion", "alpaca", "alpaca:chat", "alpaca:phi", "input_output", "chat_template"} <= types
    named = {c["chat_template"] for c in CASES.values() if c.get("chat_template")}
    named |= {d["chat_template"] for c in CASES.values() for d in c["datasets"] if d.get("chat_template")}
    assert len(named - {"jinja", "tokenizer_default"}) >= 6
    options = {k for c in CASES.values() for d in c["datasets"] for k in d}
    assert {"roles_to_train", "train_on_eos", "train_on_eot", "message_property_mappings"} <= options
    assert {"drop_system_message", "split_thinking", "field_messages", "roles"} <= options
    assert any(c.get("tokenizer_config") for c in CASES.values())  # a tokenizer that adds BOS, as Llama's


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_tokens_and_labels_as_axolotl(name: str, smollm2_dir: Path) -> None:
    golden = RESULTS["cases"][name]
    assert "error" not in golden, f"Axolotl failed on this case: {golden.get('error')}"
    cfg, _ = load_config(None, data=yc_config(CASES[name], smollm2_dir), strict=True)
    tokenizer, _ = load_tokenizer(cfg)
    prep = load(cfg, tokenizer, use_cache=False)
    want = golden["examples"]
    got = [
        {"input_ids": i, "labels": y} for i, y in zip(prep.train.input_ids, prep.train.labels, strict=True)
    ]
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g["input_ids"] == w["input_ids"], f"example {k}: {tokenizer.decode(g['input_ids'])!r}"
        assert g["labels"] == w["labels"], f"example {k} labels"
