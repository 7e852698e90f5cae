from datetime import date
from pathlib import Path

import pytest

from yc_collect import CollectOptions, OptionsError, parse_date, parse_duration, parse_rate


def test_parse_date_forms() -> None:
    today = date(2026, 3, 31)
    assert parse_date("2024-01-31", today=today) == date(2024, 1, 31)
    assert parse_date("20240131", today=today) == date(2024, 1, 31)
    assert parse_date("today", today=today) == today
    assert parse_date("yesterday", today=today) == date(2026, 3, 30)
    assert parse_date("30d", today=today) == date(2026, 3, 1)
    assert parse_date("2w", today=today) == date(2026, 3, 17)
    assert parse_date("1y", today=today) == date(2025, 3, 31)
    with pytest.raises(ValueError, match="not a date"):
        parse_date("last tuesday")


def test_parse_duration_and_rate() -> None:
    assert parse_duration("90") == 90
    assert parse_duration("10m") == 600
    assert parse_duration("1.5h") == 5400
    assert parse_duration("1:30") == 90
    assert parse_duration("1:02:03") == 3723
    with pytest.raises(ValueError):
        parse_duration("soon")
    assert parse_rate("500K") == 500 * 1024
    assert parse_rate("2M") == 2 * 1024 * 1024
    assert parse_rate("1000") == 1000
    with pytest.raises(ValueError):
        parse_rate("fast")


def test_validate_reports_every_problem_together(tmp_path: Path) -> None:
    options = CollectOptions(
        limit=0,
        since=date(2025, 1, 2),
        until=date(2025, 1, 1),
        min_duration_s=600,
        max_duration_s=60,
        match_title="(unclosed",
        tabs=("videos", "reels"),
        workers=0,
        cookies=tmp_path / "missing.txt",
    )
    with pytest.raises(OptionsError) as err:
        options.validate()
    text = " | ".join(err.value.problems)
    for fragment in ("limit", "since", "min duration", "regular expression", "tabs", "workers", "cookies"):
        assert fragment in text
    assert len(err.value.problems) == 7
    assert CollectOptions().validate().workers == 4


def test_nothing_to_fetch_is_invalid() -> None:
    assert any("nothing to fetch" in p for p in CollectOptions(audio=False, captions=False).problems())
