"""Which attention kernel runs and why: flash varlen when a flash kernel exists, else per-document sdpa;
a kernel the user names is kept. Liger keys on a CPU warn and train without Liger."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from tests.support.train_models import PLAIN_CPU, lora_yml, tiny_model, write_rows
from yc_train.attention import VARLEN_MODEL_TYPES
from yc_train.config import load_config
from yc_train.kernels import FlashKernel, choose_attention, find_flash_kernel, hub_kernel_cached
from yc_train.recipe import train

FLASH = FlashKernel("flash_attention_2", "the flash_attn package")
NO_FLASH = FlashKernel("flash_attention_2", None, "no CUDA device")


def _choose(
    requested: str, explicit: bool, flash: FlashKernel, packing: bool = True, model_type: str = "llama"
):
    return choose_attention(requested, explicit, model_type, packing, flash, VARLEN_MODEL_TYPES)


def test_packing_picks_flash_varlen_when_a_flash_kernel_exists():
    choice = _choose("sdpa", explicit=False, flash=FLASH)
    assert choice.name == "flash_attention_2" and choice.warning is None
    assert "flash_attn package" in choice.reason and "packing" in choice.reason


def test_packing_without_flash_uses_per_document_sdpa_and_says_why():
    choice = _choose("sdpa", explicit=False, flash=NO_FLASH)
    assert choice.name == "yc_varlen" and choice.warning is None
    assert "no CUDA device" in choice.reason


def test_a_named_kernel_is_never_replaced():
    for name in ("sdpa", "eager"):
        choice = _choose(name, explicit=True, flash=FLASH)
        assert choice.name == name and "asked for" in choice.reason
        assert "block-diagonal mask" in choice.reason  # packing still isolates samples; the log says how
    assert _choose("sdpa", explicit=True, flash=NO_FLASH, packing=False).reason == "sdpa (asked for)"


def test_a_named_flash_kernel_falls_back_with_a_warning_only_when_it_cannot_run():
    assert _choose("flash_attention_2", explicit=True, flash=FLASH).name == "flash_attention_2"
    choice = _choose("flash_attention_2", explicit=True, flash=NO_FLASH)
    assert choice.name == "yc_varlen"
    assert choice.warning == (
        "flash_attention_2 unavailable (no CUDA device); using yc_varlen instead (speed only, same results)"
    )
    unpacked = _choose("flash_attention_2", explicit=True, flash=NO_FLASH, packing=False)
    assert unpacked.name == "sdpa" and unpacked.warning


def test_a_named_hub_kernel_runs_on_cuda_and_falls_back_elsewhere():
    repo = "kernels-community/flash-attn3"
    assert _choose(repo, explicit=True, flash=FLASH).name == repo
    choice = _choose(repo, explicit=True, flash=NO_FLASH)
    assert choice.name == "yc_varlen" and choice.warning.startswith(f"{repo} needs a CUDA GPU")


def test_architectures_that_drop_packed_lengths_keep_sdpa():
    choice = _choose("sdpa", explicit=False, flash=FLASH, model_type="gpt2")
    assert choice.name == "sdpa" and "gpt2" in choice.reason
    assert _choose("sdpa", explicit=False, flash=FLASH, packing=False).name == "sdpa"


def test_hub_kernel_counts_only_when_cached(tmp_path):
    repo = "kernels-community/flash-attn2"
    assert not hub_kernel_cached(repo, tmp_path)
    snap = tmp_path / "models--kernels-community--flash-attn2" / "snapshots"
    snap.mkdir(parents=True)
    assert not hub_kernel_cached(repo, tmp_path)  # an interrupted download leaves no snapshot
    (snap / "0123abcd").mkdir()
    assert hub_kernel_cached(repo, tmp_path)


def test_find_flash_kernel_on_this_machine(tmp_path):
    assert find_flash_kernel("flash_attention_2", cuda=False).why_not == "no CUDA device"
    if importlib.util.find_spec("flash_attn") or importlib.util.find_spec("kernels"):
        pytest.skip("a flash kernel route is installed here")
    found = find_flash_kernel("flash_attention_2", cuda=True, cache_dir=tmp_path)
    assert found.source is None and "pip install 'yc-train[flash]'" in found.why_not


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory, smollm2_dir) -> Path:
    return tiny_model(tmp_path_factory.mktemp("tiny") / "llama", "llama", smollm2_dir)


def _run(tmp_path: Path, model: Path, **overrides):
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = write_rows(tmp_path / "rows.jsonl", n=6)
    cfg, _ = load_config(
        lora_yml(tmp_path, model, data, **{**PLAIN_CPU, "adapter": None, "max_steps": 2, **overrides})
    )
    return train(cfg)


def test_training_logs_the_kernel_and_keeps_a_named_sdpa(tmp_path, tiny_llama, caplog):
    with caplog.at_level(logging.INFO, logger="yc_train.model_setup"):
        auto = _run(tmp_path / "auto", tiny_llama)
        named = _run(tmp_path / "named", tiny_llama, attn_implementation="sdpa")
    assert auto["attn_implementation"] == "yc_varlen" and named["attn_implementation"] == "sdpa"
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("attention: ")]
    assert lines[0].startswith("attention: yc_varlen: per-document sdpa") and "no CUDA device" in lines[0]
    assert lines[1].startswith("attention: sdpa (asked for)")
    # both kernels isolate the packed samples, so the same data and seed give the same first loss
    assert named["first_loss"] == pytest.approx(auto["first_loss"], rel=1e-4)


def test_liger_keys_on_cpu_warn_and_train_without_liger(tmp_path, tiny_llama):
    summary = _run(tmp_path, tiny_llama, liger_rms_norm=True, liger_fused_linear_cross_entropy=True)
    warning = next(w for w in summary["warnings"] if "Liger" in w)
    assert warning.startswith(
        "liger_rms_norm, liger_fused_linear_cross_entropy: Liger kernels need a CUDA GPU"
    )
    assert summary["steps"] == 2 and summary["last_loss"] > 0
