"""scripts/gpu-check.sh without a GPU: a dry run that checks every benchmark arm on a tiny CPU model and says
that it skipped the measurements; and the MFU arithmetic the GPU run reports."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bench.gpu import assets
from bench.gpu.run import flops_per_token, peak_flops

ROOT = Path(__file__).resolve().parents[2]


def test_model_shapes_have_the_advertised_sizes():
    total, _ = assets.param_count("smollm2-135m")
    assert 134e6 < total < 136e6  # SmolLM2-135M: 134.5M parameters
    total, _ = assets.param_count("llama-1b")
    assert 1.2e9 < total < 1.3e9  # Llama-3.2-1B: 1.24B


def test_mfu_arithmetic():
    assert peak_flops("NVIDIA H200") == 989e12 and peak_flops("NVIDIA GeForce RTX 3060") is None
    _, body = assets.param_count("llama-1b")
    s = assets.SHAPES["llama-1b"]
    # every document 1000 tokens long: 6 * (N + head) + 6 * layers * hidden * 1000
    expected = (
        6 * (body + s["vocab_size"] * s["hidden_size"]) + 6 * s["num_hidden_layers"] * s["hidden_size"] * 1000
    )
    assert flops_per_token("llama-1b", "full", [1000] * 5, 2048) == pytest.approx(expected)
    assert flops_per_token("llama-1b", "lora", [1000], 2048) == pytest.approx(expected * 4 / 6)


def test_gpu_check_dry_run_checks_every_arm_and_says_it_measured_nothing():
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        ["scripts/gpu-check.sh", "--dry"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    out = proc.stdout
    assert proc.returncode == 0, out[-2000:] + proc.stderr[-2000:]
    assert "dry run: no CUDA device (or --dry): the gpu tests and the measurements are skipped" in out
    assert "**Dry run: no CUDA device, so the measurements were skipped.**" in out
    table = [line for line in out.splitlines() if line.startswith(("| LoRA", "| full", "| QLoRA"))]
    assert len(table) == 6 and not [line for line in table if "skipped" in line], table
    assert all(
        " yc_varlen " in line for line in table if "| yc |" in line
    )  # packing on CPU: per-document sdpa
    assert "Goals" not in out  # no speed claims from a dry run
    # transcription: both pipelines ran the same clip with the bundled tiny.en and understood it
    asr = [
        line.split("|") for line in out.splitlines() if line.startswith(("| yc chunked", "| faster-whisper"))
    ]
    assert len(asr) == 2, out[-3000:]
    assert all(float(cells[4]) <= 0.3 for cells in asr), asr
