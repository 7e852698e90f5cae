"""yc's chunked decoding: VAD chunks, short chunks encoded short, bad chunks decoded again sequentially."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.support.speech import PARAGRAPH, SHORT
from yc_curate.transcribe.audio import SAMPLE_RATE, load_audio
from yc_curate.transcribe.chunked import Chunk, Thresholds, encoder_frames, speech_chunks, transcribe_chunked


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


def test_encoder_frames_cut_short_chunks_and_keep_full_windows() -> None:
    assert encoder_frames(530) == 1000  # a 5.3 s tail: speech + >= 2 s, in 5 s buckets
    assert encoder_frames(300) == 500
    assert encoder_frames(2040) == 2500
    assert encoder_frames(2900) == 3000 and encoder_frames(3000) == 3000  # never past Whisper's window


def test_chunk_times_map_back_over_removed_silence() -> None:
    sr = SAMPLE_RATE
    chunk = Chunk(((1 * sr, 3 * sr), (10 * sr, 12 * sr)), np.zeros(4 * sr, dtype=np.float32))
    assert (chunk.start, chunk.end) == (1.0, 12.0)
    assert chunk.to_original(0.5) == 1.5
    assert chunk.to_original(2.5) == 10.5  # past the first span: the 7 s of silence are skipped
    assert chunk.to_original(9.0) == 12.0


def test_thresholds_flag_early_stops_loops_and_low_confidence() -> None:
    t = Thresholds()
    good = "Rust is a fast and memory efficient language that was created to make systems programming safe."
    assert not t.redo(good, -0.3, 6.0)
    assert t.redo("a", -0.3, 29.0)  # one word for 29 s of speech: the window ended early
    assert t.redo("the same words again " * 30, -0.1, 29.0)  # a repetition loop compresses too well
    assert t.redo(good, -1.4, 6.0)


@pytest.fixture(scope="module")
def whisper(whisper_tiny_dir: Path):
    from faster_whisper import WhisperModel

    return WhisperModel(str(whisper_tiny_dir), device="cpu", compute_type="int8", cpu_threads=1)


def test_chunks_encoded_one_at_a_time_equal_one_batch(whisper) -> None:
    from yc_curate.transcribe.chunked import _encode

    rng = np.random.default_rng(0)
    features = [rng.standard_normal((80, n)).astype(np.float32) for n in (900, 1000, 640)]
    x = np.zeros((3, 80, 1000), dtype=np.float32)
    for row, f in enumerate(features):
        x[row, :, : min(1000, f.shape[-1])] = f[:, :1000]  # the 900-frame one zero-padded
    batch = np.asarray(whisper.encode(x))
    each = np.asarray(_encode(whisper, features, 1000))
    assert each.shape == batch.shape == (3, 500, 384)
    np.testing.assert_allclose(each, batch, atol=1e-3)
    assert not np.allclose(each[0], each[2], atol=1e-2)  # rows stay in order, not one row repeated


@pytest.mark.slow
def test_speech_chunks_skip_silence_and_decode(whisper, make_speech, tmp_path: Path) -> None:
    import jiwer

    speech = load_audio(make_speech(SHORT, "short.wav"))
    gap = np.zeros(4 * SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([speech, gap, speech])
    chunks = speech_chunks(audio)
    assert len(chunks) == 1 and len(chunks[0].spans) >= 2  # one chunk of two speech spans
    assert chunks[0].spans[-1][0] - chunks[0].spans[0][1] > 3 * SAMPLE_RATE  # the gap is left out
    [(segments, language, prob, redone)] = transcribe_chunked(whisper, [audio])
    assert (language, prob, redone) == ("en", 1.0, 0)
    assert [(s.start, s.end) for s in segments] == [(chunks[0].start, chunks[0].end)]
    assert jiwer.wer(_norm(f"{SHORT} {SHORT}"), _norm(segments[0].text)) <= 0.3


@pytest.mark.slow
def test_bad_chunks_are_decoded_again_with_timestamps(whisper, make_speech) -> None:
    import jiwer

    audio = load_audio(make_speech(PARAGRAPH, "paragraph.wav"))
    chunks = speech_chunks(audio)
    assert len(chunks) >= 2 and all(len(c.audio) <= 30 * SAMPLE_RATE for c in chunks)
    # every average log-probability is below 0: each chunk is decoded again, sequentially
    [(segments, _, _, redone)] = transcribe_chunked(whisper, [audio], thresholds=Thresholds(logprob_min=0.0))
    assert redone == len(chunks)
    assert len(segments) > len(chunks)  # Whisper's finer segments
    starts = [s.start for s in segments]
    assert starts == sorted(starts) and chunks[0].start <= starts[0] and segments[-1].end <= chunks[-1].end
    assert jiwer.wer(_norm(PARAGRAPH), _norm(" ".join(s.text for s in segments))) <= 0.3


@pytest.mark.slow
def test_files_decoded_together_keep_their_own_results(whisper, make_speech) -> None:
    import jiwer

    short = load_audio(make_speech(SHORT, "short.wav"))
    silence = np.zeros(3 * SAMPLE_RATE, dtype=np.float32)
    twice = np.concatenate([short, np.zeros(4 * SAMPLE_RATE, dtype=np.float32), short, short])
    together = transcribe_chunked(whisper, [short, silence, twice])
    assert [r[1:3] for r in together] == [("en", 1.0)] * 3
    assert together[1][0] == []  # the silent file has no segments
    for (segs, *_), audio in ((together[0], short), (together[2], twice)):
        starts = [s.start for s in segs]
        assert starts == sorted(starts) and starts[0] >= 0 and segs[-1].end <= len(audio) / SAMPLE_RATE
    assert jiwer.wer(_norm(SHORT), _norm(" ".join(s.text for s in together[0][0]))) <= 0.3
    assert jiwer.wer(_norm(f"{SHORT} " * 3), _norm(" ".join(s.text for s in together[2][0]))) <= 0.3
    # decoded alone, the long file reads nearly the same: batching may move a borderline chunk's redo
    # decision, and one of its three sentences then reads differently (measured: 0 or 2 words in 19)
    [(alone, *_)] = transcribe_chunked(whisper, [twice])
    assert (
        jiwer.wer(_norm(" ".join(s.text for s in alone)), _norm(" ".join(s.text for s in together[2][0])))
        <= 0.15
    )
