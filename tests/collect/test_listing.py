"""Listing against recorded yt-dlp flat info dicts: tab flattening, de-duplication, filters, limit."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from yt_dlp.utils import ExtractorError

from yc_collect import CollectOptions, SourceError, flatten, list_source

FIXTURES = Path(__file__).parent / "fixtures"
CHANNEL = json.loads((FIXTURES / "youtube_channel_flat.json").read_text())
DATES = {
    "vidAAAAAAA1": "20250314",
    "vidAAAAAAA4": "20250201",
    "vidAAAAAAA5": "20241224",
    "shrtAAAAAA1": "20250320",
    "strmAAAAAA2": "20250101",
}


class FakeYtDlp:
    """Flat extraction and full resolution from recorded info dicts; remembers what was asked."""

    def __init__(self, missing_tabs: tuple[str, ...] = ()) -> None:
        self.extracted: list[str] = []
        self.resolved: list[str] = []
        self.missing_tabs = missing_tabs

    def extract(self, url: str) -> dict:
        self.extracted.append(url)
        tab = url.rsplit("/", 1)[1]
        if tab in self.missing_tabs:
            raise ExtractorError(
                f"[youtube:tab] @testchannel: This channel does not have a {tab} tab", expected=True
            )
        return copy.deepcopy(CHANNEL[url])

    def resolve(self, entry: dict) -> dict:
        self.resolved.append(entry["id"])
        return {
            **entry,
            "_type": "video",
            "upload_date": DATES[entry["id"]],
            "duration": entry.get("duration") or 50.0,
        }


def test_flatten_expands_a_playlist_of_tab_playlists() -> None:
    fake = FakeYtDlp()
    found = list(flatten(copy.deepcopy(CHANNEL["https://www.youtube.com/@testchannel"]), fake.extract))
    assert fake.extracted == [
        f"https://www.youtube.com/@testchannel/{t}" for t in ("videos", "shorts", "streams")
    ]
    assert len(found) == 5 + 2 + 2
    assert all(e["ie_key"] == "Youtube" for e, _ in found)
    assert {holder for _, holder in found} == {"Test Channel"}


def test_default_lists_only_the_videos_tab() -> None:
    fake = FakeYtDlp()
    listing = list_source("@testchannel", extract=fake.extract)
    assert fake.extracted == ["https://www.youtube.com/@testchannel/videos"]
    assert [e.video_id for e in listing] == [f"vidAAAAAAA{i}" for i in range(1, 6)]
    assert listing.title == "Test Channel" and listing.total == 5
    assert all(e.channel == "Test Channel" and not e.resolved for e in listing)


def test_all_tabs_flattened_and_deduplicated() -> None:
    fake = FakeYtDlp()
    listing = list_source(
        "https://www.youtube.com/@testchannel",
        CollectOptions(tabs=("videos", "shorts", "streams")),
        extract=fake.extract,
    )
    ids = [e.video_id for e in listing]
    assert ids == [f"vidAAAAAAA{i}" for i in range(1, 6)] + ["shrtAAAAAA1", "strmAAAAAA1", "strmAAAAAA2"]
    assert listing.total == 8  # vidAAAAAAA5 is in videos and shorts


def test_a_missing_tab_is_a_warning_not_an_error() -> None:
    fake = FakeYtDlp(missing_tabs=("streams",))
    listing = list_source("@testchannel", CollectOptions(tabs=("videos", "streams")), extract=fake.extract)
    assert len(listing) == 5
    assert any("does not have a streams tab" in w for w in listing.warnings)
    with pytest.raises(SourceError, match="cannot list"):
        list_source(
            "@testchannel", CollectOptions(tabs=("streams",)), extract=FakeYtDlp(("streams",)).extract
        )


def test_title_filter_and_limit_with_known_ids() -> None:
    fake = FakeYtDlp()
    listing = list_source("@testchannel", CollectOptions(match_title="test"), extract=fake.extract)
    assert [e.video_id for e in listing] == ["vidAAAAAAA1", "vidAAAAAAA4"]
    assert listing.filtered["title does not match"] == 3

    # limit counts the first N collectable entries; known ones count but are not returned; the
    # members-only and upcoming entries in between are returned (to be recorded) without counting
    listing = list_source(
        "@testchannel", CollectOptions(limit=2), skip_ids={"vidAAAAAAA1"}, extract=fake.extract
    )
    assert [e.video_id for e in listing] == ["vidAAAAAAA2", "vidAAAAAAA3", "vidAAAAAAA4"]
    assert listing.known == ["vidAAAAAAA1"]
    assert listing.filtered["beyond --limit"] == 1


def test_date_filters_resolve_only_what_they_need() -> None:
    fake = FakeYtDlp()
    options = CollectOptions(since=date(2025, 1, 15), tabs=("videos", "shorts"), workers=2)
    listing = list_source(
        "@testchannel", options, skip_ids={"vidAAAAAAA4"}, extract=fake.extract, resolve=fake.resolve
    )
    assert [e.video_id for e in listing] == ["vidAAAAAAA1", "vidAAAAAAA2", "vidAAAAAAA3", "shrtAAAAAA1"]
    # not resolved: the known id, and the members-only / upcoming entries (recorded as skipped anyway)
    assert sorted(fake.resolved) == ["shrtAAAAAA1", "vidAAAAAAA1", "vidAAAAAAA5"]
    assert listing.filtered["before --since"] == 1
    resolved = {e.video_id: e for e in listing}
    assert resolved["vidAAAAAAA1"].resolved and resolved["vidAAAAAAA1"].info["upload_date"] == "20250314"
    assert resolved["vidAAAAAAA1"].flat["_type"] == "url"  # kept to extract again on a retry


def test_limit_stops_resolving_early() -> None:
    fake = FakeYtDlp()
    options = CollectOptions(limit=1, min_duration_s=60, workers=1)
    listing = list_source("@testchannel", options, extract=fake.extract, resolve=fake.resolve)
    assert [e.video_id for e in listing] == ["vidAAAAAAA1"]
    assert fake.resolved == []  # the flat listing had its duration


def test_duration_filters_use_flat_durations() -> None:
    listing = list_source(
        "@testchannel", CollectOptions(min_duration_s=60, max_duration_s=1000), extract=FakeYtDlp().extract
    )
    assert [e.video_id for e in listing] == ["vidAAAAAAA1", "vidAAAAAAA2", "vidAAAAAAA3"]
    assert listing.filtered == {"longer than --max-duration": 1, "shorter than --min-duration": 1}
