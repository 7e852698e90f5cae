"""openai-whisper: the real loading and decoding path, on a tiny random checkpoint built here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.speech import SHORT, duration_s
from yc_curate.transcribe import AudioItem, ModelNotAvailableError, get_transcriber, transcribe_files


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,
        n_audio_state=32,
        n_audio_head=2,
        n_audio_layer=1,
        n_vocab=51864,
        n_text_ctx=448,
        n_text_state=32,
        n_text_head=2,
        n_text_layer=1,
    )
    path = tmp_path_factory.mktemp("whisper") / "tiny-random.pt"
    torch.save({"dims": dims.__dict__, "model_state_dict": Whisper(dims).state_dict()}, path)
    return path


def test_random_checkpoint_runs_load_and_decode(tiny_checkpoint: Path, make_speech) -> None:
    audio = make_speech(SHORT, "short.wav")
    tr = get_transcriber(
        "whisper", model=str(tiny_checkpoint), device="cpu", temperature=0.0, decode_options={"sample_len": 8}
    )
    (row,) = transcribe_files([AudioItem("s", audio)], tr)
    assert row["error"] is None and row["status"] in ("ok", "empty")
    assert row["backend"] == "whisper" and row["model"] == str(tiny_checkpoint)
    assert row["language"] == "en"  # an English-only vocabulary (51864) needs no detection
    assert row["audio_s"] == pytest.approx(duration_s(audio), abs=0.1)
    assert tr._model is not None and tr._model.dims.n_audio_state == 32  # the checkpoint really loaded
    segs = row["segments"]
    assert all(s["end"] >= s["start"] >= 0 for s in segs)
    assert [s["start"] for s in segs] == sorted(s["start"] for s in segs)


def test_named_whisper_model_not_cached(tmp_path: Path, make_speech) -> None:
    with pytest.raises(ModelNotAvailableError, match="downloading is off"):
        get_transcriber("whisper", model="tiny.en", download=False, download_root=str(tmp_path))
    # allowed to download but the network is unreachable (tests block it): one line, at first use
    tr = get_transcriber("whisper", model="tiny.en", download_root=str(tmp_path))
    with pytest.raises(ModelNotAvailableError, match="cannot be downloaded"):
        list(transcribe_files([AudioItem("s", make_speech(SHORT, "short.wav"))], tr))
