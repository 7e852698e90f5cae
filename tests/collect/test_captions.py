import copy
import io
import json
from pathlib import Path

import pytest

from yc_collect import choose_track, parse_json3, parse_vtt
from yc_collect.captions import fetch, parse

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def info() -> dict:
    return json.loads((FIXTURES / "youtube_video_full.json").read_text())


def test_manual_beats_automatic_and_json3_beats_vtt(info: dict) -> None:
    track = choose_track(info, ["en"])
    assert (track.lang, track.kind, track.ext) == ("en", "manual", "json3")
    info["subtitles"]["en"] = [f for f in info["subtitles"]["en"] if f["ext"] not in ("json3",)]
    assert choose_track(info, ["en"]).ext == "vtt"


def test_automatic_uses_the_original_track_never_a_translation(info: dict) -> None:
    info["subtitles"] = {}
    track = choose_track(info, ["en"])
    assert (track.lang, track.kind) == ("en-orig", "auto")
    assert choose_track(info, ["de"]) is None  # "de" is a machine translation of the English original
    assert choose_track(info, ["de", "orig"]).lang == "en-orig"


def test_language_order_and_regional_variants(info: dict) -> None:
    info["subtitles"] = {"en-GB": info["subtitles"]["en"], "fr": copy.deepcopy(info["subtitles"]["en"])}
    assert choose_track(info, ["fr", "en"]).lang == "fr"
    assert choose_track(info, ["en"]).lang == "en-GB"
    info["language"] = "fr"
    assert choose_track(info, ["orig"]).lang == "fr"


def test_no_tracks_or_only_unparseable_formats(info: dict) -> None:
    assert choose_track({"subtitles": {}, "automatic_captions": {}}, ["en"]) is None
    info["subtitles"] = {"en": [{"ext": "srv3", "url": "x"}, {"ext": "ttml", "url": "y"}]}
    info["automatic_captions"] = {}
    assert choose_track(info, ["en"]) is None


def test_json3_manual_and_auto() -> None:
    manual = parse_json3((FIXTURES / "manual_en.json3").read_text())
    assert manual == [
        {"start": 0.0, "end": 1.5, "text": "Hello and welcome back."},
        {"start": 1.5, "end": 2.9, "text": "Today we test a CLI."},
    ]
    auto = parse_json3((FIXTURES / "auto_en.json3").read_text())
    assert [s["text"] for s in auto] == ["hello and welcome back", "today we test a cli"]
    assert auto[0]["start"] == pytest.approx(0.08) and auto[1]["end"] == pytest.approx(2.98)


def test_vtt_rolling_automatic_captions_read_once() -> None:
    segs = parse_vtt((FIXTURES / "auto_en.vtt").read_text())
    assert " ".join(s["text"] for s in segs) == "hello and welcome back today we test a cli"
    assert segs[0]["start"] == pytest.approx(0.08)


def test_vtt_manual_with_notes_ids_tags_and_entities() -> None:
    segs = parse_vtt((FIXTURES / "manual_en.vtt").read_text())
    assert segs == [
        {"start": 0.0, "end": 1.5, "text": "Hello & welcome back."},
        {"start": 1.5, "end": 2.9, "text": "Today we test a CLI. It's quick."},
    ]


def test_srt() -> None:
    segs = parse("srt", (FIXTURES / "manual_en.srt").read_text())
    assert [s["text"] for s in segs] == ["Hello and welcome back.", "Today we test a CLI."]
    assert segs[1]["start"] == 1.5


def test_fetch_builds_the_row_struct(info: dict) -> None:
    track = choose_track(info, ["en"])
    row = fetch(track, lambda url: io.BytesIO((FIXTURES / "manual_en.json3").read_bytes()))
    assert row["lang"] == "en" and row["kind"] == "manual"
    assert row["text"] == "Hello and welcome back. Today we test a CLI."
    assert len(row["segments"]) == 2
