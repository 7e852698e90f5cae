from yt_dlp.utils import smuggle_url

from yc_collect.identity import flat_entry_id, local_id, safe_id


def test_safe_ids_are_file_names_and_distinct() -> None:
    assert safe_id("dQw4w9WgXcQ") == "dQw4w9WgXcQ"
    assert safe_id("-abc_DEF.1") == "-abc_DEF.1"
    a, b = safe_id("urn:ep/1"), safe_id("urn_ep/1")
    assert a != b
    for value in (a, b, safe_id("../../etc/passwd"), safe_id("x" * 300), safe_id("")):
        assert "/" not in value and not value.startswith(".") and 0 < len(value) <= 80


def test_rss_guid_is_unsmuggled_from_the_entry_url() -> None:
    entry = {"_type": "url_transparent", "url": smuggle_url("http://h/ep1.mp3", {"force_videoid": "ep-1"})}
    assert flat_entry_id(entry) == "ep-1"
    assert flat_entry_id({"url": "http://h/ep1.mp3"}).startswith("url-")
    assert flat_entry_id({"url": "http://h/ep1.mp3"}) == flat_entry_id({"url": "http://h/ep1.mp3"})
    assert flat_entry_id({"id": "abc", "url": "http://h/x"}) == "abc"


def test_local_ids_are_stable_per_relative_path() -> None:
    assert local_id("a/b.mp3") == local_id("a/b.mp3") != local_id("a/c.mp3")
