"""Listing time of a 1,000-item podcast feed: yc (feedparser) vs yt-dlp's generic RSS listing.

The feed is what real podcast feeds look like: itunes tags (duration, season, episode, type, explicit, image),
HTML show notes of ~1 kB, a cover image enclosure before the audio one, a ``<podcast:transcript>`` per item.
Served on loopback (no throttle): the time is parsing, not the network. Each tool lists it 3 times; the best
run counts. The listing must stay well under the download time (one 85 s episode of the main benchmark is
16.3 MB, about 8 s at 2 MB/s).

``python -m bench.collect.listing`` replaces the listing section of ``bench/results/collect.md``
(``python -m bench.collect.run`` writes it too).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.support.media_server import MediaServer

ROOT = Path(__file__).resolve().parents[2]
RESULT = ROOT / "bench" / "results" / "collect.md"
HEADING = "## Listing a 1,000-item feed"
NOTES = "<p>" + "Show notes with <a href='https://example.invalid/link'>links</a> &amp; text. " * 14 + "</p>"


def feed_xml(n: int, base: str) -> str:
    items = []
    for i in range(n):
        items.append(
            f'<item><title>Episode {i}: a title of typical length</title><guid isPermaLink="false">ep-{i:04d}</guid>'
            f"<pubDate>Mon, 06 Jan 2025 10:00:00 +0000</pubDate><description><![CDATA[{NOTES}]]></description>"
            f"<itunes:duration>{i % 3}:{i % 60:02d}:07</itunes:duration><itunes:season>{1 + i // 100}</itunes:season>"
            f"<itunes:episode>{i}</itunes:episode><itunes:episodeType>full</itunes:episodeType>"
            f'<itunes:explicit>false</itunes:explicit><itunes:image href="{base}/art/{i}.jpg"/>'
            f'<enclosure url="{base}/art/{i}.jpg" type="image/jpeg" length="2048"/>'
            f'<enclosure url="{base}/audio/{i}.mp3" type="audio/mpeg" length="16300000"/>'
            f'<podcast:transcript url="{base}/tr/{i}.vtt" type="text/vtt" language="en"/></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0">\n<channel><title>Bench Podcast</title>'
        f"<link>{base}/</link><description>bench</description><language>en</language>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )


def _best(fn, runs: int = 3) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(runs):
        t0 = time.perf_counter()
        count = fn()
        best = min(best, time.perf_counter() - t0)
    return best, count


def measure(n: int = 1000) -> dict[str, float | int]:
    import os

    import yt_dlp

    from yc_collect import CollectOptions, list_source

    with tempfile.TemporaryDirectory() as tmp:
        server = MediaServer(Path(tmp)).start()
        try:
            (Path(tmp) / "feed.rss").write_text(feed_xml(n, server.base_url), encoding="utf-8")
            url = server.url("feed.rss")
            size = (Path(tmp) / "feed.rss").stat().st_size
            yc_s, yc_n = _best(lambda: len(list_source(url, CollectOptions()).entries))

            def ytdlp() -> int:
                params = {
                    "quiet": True,
                    "no_warnings": True,
                    "extract_flat": "in_playlist",
                    "noprogress": True,
                }
                with yt_dlp.YoutubeDL(params) as ydl:
                    return len(ydl.extract_info(url, download=False, ie_key="Generic")["entries"])

            yt_s, yt_n = _best(ytdlp)
        finally:
            server.stop()
    return {
        "items": n, "bytes": size, "yc_s": yc_s, "yc_entries": yc_n, "ytdlp_s": yt_s, "ytdlp_entries": yt_n,
        "load": os.getloadavg()[0],
    }  # fmt: skip


def section(m: dict[str, float | int]) -> list[str]:
    per_item_ms = 1000 * float(m["yc_s"]) / int(m["items"])
    download_s = 16.3 / 2.0  # one episode of the main benchmark at its 2 MB/s per connection
    return [
        HEADING,
        "",
        f"A {int(m['items']):,}-item feed ({int(m['bytes']) / 1e6:.1f} MB: itunes tags, ~1 kB HTML notes, image + audio "
        f"enclosures, a transcript per item) on loopback, best of 3; load average {float(m['load']):.1f} on "
        "this 2-CPU machine during the run (`python -m bench.collect.listing`).",
        "",
        "| lister | wall s | entries |",
        "|---|---:|---:|",
        f"| yc (feedparser, with metadata, media choice, transcripts) | {float(m['yc_s']):.2f} | {m['yc_entries']} |",
        f"| yt-dlp generic RSS (flat; no metadata) | {float(m['ytdlp_s']):.2f} | {m['ytdlp_entries']} |",
        "",
        f"- yc lists **{per_item_ms:.1f} ms per item**; the whole 1,000-item listing is "
        f"**{float(m['yc_s']) / download_s:.0%}** of the time one 16.3 MB episode takes to download at 2 MB/s "
        f"({download_s:.1f} s), and {float(m['yc_s']) / (download_s * int(m['items'])):.3%} of downloading them all.",
        "",
    ]


def write_section(lines: list[str]) -> None:
    """Replace (or add) the listing section of the results file, keeping the rest."""
    text = RESULT.read_text() if RESULT.exists() else ""
    head = text.split(HEADING)[0].rstrip("\n")
    RESULT.write_text((head + "\n\n" if head else "") + "\n".join(lines))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=1000)
    args = ap.parse_args(argv)
    lines = section(measure(args.items))
    write_section(lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
