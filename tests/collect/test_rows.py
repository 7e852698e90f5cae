from datetime import date

from yc_collect.rows import metadata_row, plain_text, upload_date


def test_upload_date_sources() -> None:
    assert upload_date({"upload_date": "20250314"}) == date(2025, 3, 14)
    assert upload_date({"timestamp": 1704103200}) == date(2024, 1, 1)
    assert upload_date({"release_timestamp": 1704103200.5}) == date(2024, 1, 1)
    assert upload_date({"upload_date": "bad"}) is None
    assert upload_date({}) is None


def test_plain_text_from_feed_html() -> None:
    assert plain_text("<p>Show <b>notes</b> &amp; links</p><p>Second</p>") == "Show notes & links\n\nSecond"
    assert plain_text("Tom &amp; Jerry") == "Tom & Jerry"
    assert plain_text("line 1\nline 2") == "line 1\nline 2"
    assert plain_text("  ") is None and plain_text(None) is None


def test_metadata_row_has_every_column() -> None:
    info = {
        "title": "T",
        "upload_date": "20250101",
        "duration": 12,
        "view_count": 5,
        "tags": ["a", None, " "],
        "extractor_key": "Youtube",
        "webpage_url": "https://www.youtube.com/watch?v=x",
    }
    row = metadata_row("x", "@c", info, channel="Chan")
    assert row["channel"] == "Chan" and row["duration_s"] == 12.0 and row["tags"] == ["a"]
    assert row["upload_date"] == date(2025, 1, 1) and row["status"] is None
    assert row["collected_at"].tzinfo is not None
