"""Runs found and read from real `yc_train` outputs (two tiny LoRA runs, one with a real eval report)."""

from __future__ import annotations

import json

import pytest

from yc_cli.ui.runs_scan import find_runs, load_run
from yc_cli.ui.sandbox import Sandbox

pytestmark = pytest.mark.slow  # real training runs


def test_runs_are_found_under_every_root_once(trained_runs, tmp_path):
    sandbox = Sandbox.of(workspace=trained_runs / "outputs", configs=trained_runs)
    runs = {r["id"]: r for r in find_runs(sandbox)}
    # each real folder once, under the first root that holds it
    assert sorted(runs) == ["workspace:lr-high", "workspace:lr-low"]
    assert runs["workspace:lr-high"]["steps"] == 6 and runs["workspace:lr-high"]["has_eval"] is True
    assert runs["workspace:lr-low"]["has_eval"] is False
    assert find_runs(Sandbox.of(workspace=tmp_path, configs=tmp_path)) == []


def test_a_run_has_its_curves_config_eval_table_and_generations(trained_runs):
    sandbox = Sandbox.of(workspace=trained_runs, configs=trained_runs)
    run = load_run(sandbox, "configs:outputs/lr-high")
    logged = [
        json.loads(line) for line in (trained_runs / "outputs/lr-high/metrics.jsonl").read_text().splitlines()
    ]
    assert run["curves"]["loss"] == [[float(r["step"]), r["loss"]] for r in logged if "loss" in r]
    assert len(run["curves"]["loss"]) == 6 and len(run["curves"]["learning_rate"]) == 6
    assert run["curves"]["loss"][-1][1] < run["curves"]["loss"][0][1]  # lr 3e-3 on repeated rows: loss falls
    assert "eval_loss" in run["curves"]
    assert "learning_rate: 0.003" in run["config"]
    assert run["eval_table"]["header"][-1] == "closer to creator"
    assert run["eval_table"]["rows"][0][0] == "held-out perplexity (completion tokens)"
    assert len(run["generations"]) == 2
    assert all(g["base"] is not None and g["fine-tuned"] is not None for g in run["generations"])
    other = load_run(sandbox, "configs:outputs/lr-low")
    assert other["eval"] is None and other["eval_table"] is None and other["generations"] == []
