"""Text cleaning, hallucination flags, parameter hashing."""

from __future__ import annotations

from yc_curate.transcribe import AudioItem, Segment, Transcript, clean_text, compression_ratio, quality_flags
from yc_curate.transcribe.cleaning import clean_segments
from yc_curate.transcribe.pipeline import params_hash, transcript_row


def test_clean_text_removes_non_speech_and_normalises_space() -> None:
    raw = "[Music]  >> Hello\n\n there , friends ♪ ♪ (applause) [Applause] welcome\tback ."
    assert clean_text(raw) == "Hello there, friends welcome back."
    assert clean_text("[Music]") == "" and clean_text("  \n ") == ""
    assert clean_text("I (really) mean it") == "I (really) mean it"  # ordinary parentheses stay


def test_repetition_loop_is_flagged_honest_text_is_not() -> None:
    from tests.support.speech import PARAGRAPH

    loop = "Rust is fast. " + "Thank you for watching. " * 40
    assert compression_ratio(loop) > 2.4 and quality_flags(loop) == ["hallucination"]
    assert quality_flags(PARAGRAPH) == [] and quality_flags(PARAGRAPH * 30) == []  # long but no loop
    assert quality_flags("ok ok ok") == []  # too short to judge


def test_row_cleaning_and_statuses() -> None:
    class Fake:
        name, model, workers = "fake", "m", 1

        def params(self):
            return {}

    item = AudioItem("v", None, duration_s=3.0)
    result = Transcript(
        "[Music] hi  there", [Segment(2, 3, " there"), Segment(0, 1, "[Music]"), Segment(1, 2, "hi")]
    )
    row = transcript_row(item, Fake(), "h", result, 0.5)
    assert row["text"] == "hi there" and row["status"] == "ok" and row["flags"] == []
    assert [s["text"] for s in row["segments"]] == ["hi", "there"]  # ordered, empty ones dropped
    assert transcript_row(item, Fake(), "h", Transcript("[Music]"), 0.1)["status"] == "empty"
    assert clean_segments([Segment(1, 0.5, "x")])[0].end == 1  # never ends before it starts


def test_params_hash_is_stable_and_tracks_output_options(whisper_tiny_dir) -> None:
    from yc_curate.transcribe import get_transcriber

    a = get_transcriber("faster-whisper", model=str(whisper_tiny_dir), threads=1)
    b = get_transcriber("faster-whisper", model=str(whisper_tiny_dir), threads=2, workers=3)
    c = get_transcriber("faster-whisper", model=str(whisper_tiny_dir), beam_size=1)
    assert params_hash(a) == params_hash(b) != params_hash(c)
    assert len(params_hash(a)) == 16
