"""On a CUDA device: packed training with the kernel yc picks (flash varlen or per-document sdpa) and with Liger
matches a run with plain sdpa; bf16 by default. Skipped without CUDA (run by scripts/gpu-check.sh)."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from bench.gpu import assets
from tests.support.train_models import lora_yml
from yc_train.config import load_config
from yc_train.recipe import train

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("gpu")
    model = assets.model_folder(root / "tiny", "tiny", assets.word_tokenizer(root / "tok"))
    rows = root / "rows.jsonl"
    assets.write_rows(rows, n=32, lo=16, hi=200)
    return model, rows


def _run(tmp_path: Path, tiny: tuple[Path, Path], **overrides) -> dict:
    model, rows = tiny
    base = dict(
        adapter=None, special_tokens=None, max_steps=3, learning_rate=1e-3, warmup_steps=0, bf16="auto",
        optimizer="adamw_torch", flash_attention=None, evals_per_epoch=None, saves_per_epoch=None,
        val_set_size=0, loss_watchdog_threshold=None, train_on_inputs=True, sequence_len=512,
    )  # fmt: skip
    tmp_path.mkdir(parents=True, exist_ok=True)
    cfg, _ = load_config(lora_yml(tmp_path, model, rows, **{**base, **overrides}))
    return train(cfg)


def test_packed_bf16_training_with_yc_kernel_matches_sdpa(tmp_path, tiny):
    picked = _run(tmp_path / "auto", tiny)
    sdpa = _run(tmp_path / "sdpa", tiny, attn_implementation="sdpa")
    assert picked["precision"] == "bfloat16" and sdpa["attn_implementation"] == "sdpa"
    has_flash = importlib.util.find_spec("flash_attn") or importlib.util.find_spec("kernels")
    assert picked["attn_implementation"] in (
        ("flash_attention_2", "yc_varlen") if has_flash else ("yc_varlen",)
    )
    assert picked["first_loss"] == pytest.approx(sdpa["first_loss"], rel=2e-2)


@pytest.mark.skipif(importlib.util.find_spec("liger_kernel") is None, reason="liger-kernel is not installed")
def test_liger_kernels_apply_on_cuda_and_keep_the_loss(tmp_path, tiny, caplog):
    keys = {
        k: True
        for k in ("liger_rope", "liger_rms_norm", "liger_glu_activation", "liger_fused_linear_cross_entropy")
    }
    with caplog.at_level(logging.INFO, logger="yc_train.kernels"):
        liger = _run(tmp_path / "liger", tiny, **keys)
    logged = [r.getMessage() for r in caplog.records]
    assert "liger kernels applied to llama: rms_norm, rope, swiglu" in logged
    assert "loss: Liger's fused linear cross-entropy" in logged
    plain = _run(tmp_path / "plain", tiny)
    assert not [w for w in liger["warnings"] if "liger" in w.lower()]
    assert liger["first_loss"] == pytest.approx(plain["first_loss"], rel=2e-2)
    assert liger["last_loss"] < liger["first_loss"]


@pytest.mark.skipif(importlib.util.find_spec("bitsandbytes") is None, reason="bitsandbytes is not installed")
def test_qlora_with_gradient_checkpointing_and_paged_adamw_trains_on_cuda(tmp_path, tiny):
    summary = _run(
        tmp_path,
        tiny,
        adapter="qlora",
        load_in_4bit=True,
        gradient_checkpointing=True,
        optimizer="paged_adamw_8bit",
        max_steps=8,
        learning_rate=3e-3,
    )
    assert summary["precision"] == "bfloat16" and not [w for w in summary["warnings"] if "optimizer" in w]
    assert summary["last_loss"] < summary["first_loss"]
