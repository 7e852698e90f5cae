"""Benchmark ``yc collect`` against sequential plain ``yt-dlp`` on the same throttled podcast feed.

A loopback server (tests/support/media_server.py) serves an RSS feed of N enclosures and throttles
every connection (default 2 MB/s, like a CDN's per-connection limit). Both tools download every
enclosure and convert it to Opus mono 16 kHz 24 kbit/s:

- baseline: ``yt-dlp -x --audio-format opus --postprocessor-args "ExtractAudio:-ac 1 -ar 16000 -b:a 24k"``
  on the feed (the CLI, one video after another), with ``--download-archive``;
- yc: ``yc collect FEED --workers 4`` into a fresh workspace.

Then both run again with nothing new (yc: its videos table; yt-dlp: its archive). Last, the listing time of
a 1,000-item feed (:mod:`bench.collect.listing`). Writes ``bench/results/collect.md``. ``--quick`` uses 6
small items.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.feeds import FeedItem, write_feed
from tests.support.media_server import MediaServer
from tests.support.speech import PARAGRAPH, speak

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "bench" / ".work" / "collect"
RESULT = ROOT / "bench" / "results" / "collect.md"
BIN = Path(sys.executable).parent


def _item(seconds: float) -> Path:
    """One enclosure: espeak speech looped to ``seconds``, as 48 kHz stereo WAV (bytes-heavy, cheap to decode)."""
    speech = WORK / "paragraph.wav"
    if not speech.exists():
        speak(PARAGRAPH, speech)
    out = WORK / f"item-{int(seconds)}s.wav"
    if not out.exists():
        subprocess.run(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1", "-i", str(speech),
             "-t", str(seconds), "-ar", "48000", "-ac", "2", str(out)],
            check=True,
        )  # fmt: skip
    return out


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds, CPU seconds (user + system of the command and its children, ffmpeg included), result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), res


def _media_gets(server: MediaServer, since: int) -> int:
    return sum(1 for m, p in server.requests[since:] if m == "GET" and p.endswith(".wav"))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="6 items of ~2 MB")
    ap.add_argument("--items", type=int, default=None)
    ap.add_argument(
        "--seconds", type=float, default=None, help="audio seconds per item (48 kHz stereo WAV: 192 kB/s)"
    )
    ap.add_argument("--rate", type=float, default=2.0, help="MB/s per connection")
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args(argv)
    n = args.items or (6 if args.quick else 20)
    seconds = args.seconds or (10.0 if args.quick else 85.0)

    shutil.rmtree(WORK / "www", ignore_errors=True)
    for d in ("ytdlp", "ws"):
        shutil.rmtree(WORK / d, ignore_errors=True)
    www = WORK / "www"
    www.mkdir(parents=True)
    item = _item(seconds)
    server = MediaServer(www).start()
    server.throttle_bps = int(args.rate * 1_000_000)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        shutil.copy(item, www / f"episode-{i:02d}.wav")
        items.append(
            FeedItem(f"Episode {i}", server.url(f"episode-{i:02d}.wav"), f"ep-{i:02d}", start + timedelta(days=7 * i),
                     f"Notes for episode {i}", mime="audio/wav", length=item.stat().st_size)
        )  # fmt: skip
    write_feed(www, "feed.rss", items, title="Bench Podcast")
    feed = server.url("feed.rss")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    ytdlp = [
        str(BIN / "yt-dlp"), "--ignore-errors", "--no-progress", "--quiet", "--no-warnings",
        "-x", "--audio-format", "opus", "--postprocessor-args", "ExtractAudio:-ac 1 -ar 16000 -b:a 24k",
        "--download-archive", str(WORK / "ytdlp" / "archive.txt"), "-o", str(WORK / "ytdlp" / "%(id)s.%(ext)s"), feed,
    ]  # fmt: skip
    yc = [str(BIN / "yc"), "-w", str(WORK / "ws"), "collect", feed, "--workers", str(args.workers)]

    results: dict[str, tuple[float, float, int, int]] = {}
    for name, cmd in (("yt-dlp (sequential)", ytdlp), (f"yc collect --workers {args.workers}", yc),
                      ("yt-dlp re-run (archive)", ytdlp), ("yc collect re-run", yc)):  # fmt: skip
        before = len(server.requests)
        wall, cpu, res = _timed(cmd, env)
        if res.returncode != 0:
            print(res.stdout[-2000:], res.stderr[-2000:], file=sys.stderr)
            print(f"{name} failed ({res.returncode})", file=sys.stderr)
            return 1
        results[name] = (wall, cpu, _media_gets(server, before), len(server.requests) - before)
        print(f"{name}: {wall:.1f} s, {cpu:.1f} CPU s, {results[name][2]} media GETs", flush=True)
    server.stop()

    ytdlp_files = len(list((WORK / "ytdlp").glob("*.opus")))
    yc_files = len(list((WORK / "ws" / "audio").glob("*.opus")))
    base, ours = results["yt-dlp (sequential)"][0], results[f"yc collect --workers {args.workers}"][0]
    rerun = results["yc collect re-run"][0]
    speedup, rerun_share = base / ours, rerun / ours
    mb = item.stat().st_size / 1e6
    lines = [
        "# collect: yc collect vs sequential yt-dlp",
        "",
        f"{n} enclosures of {mb:.1f} MB ({seconds:.0f} s of 48 kHz stereo WAV speech) in an RSS feed on a loopback server "
        f"throttled to {args.rate:g} MB/s per connection; both convert to Opus mono 16 kHz 24 kbit/s. "
        f"Machine: {os.cpu_count()} CPUs, load average before the run {os.getloadavg()[0]:.1f}. "
        f"Date: {datetime.now(UTC):%Y-%m-%d}. Command: `python -m bench.collect.run{' --quick' if args.quick else ''}`.",
        "",
        "| run | wall s | CPU s | media GETs | requests | files |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (wall, cpu, gets, reqs) in results.items():
        files = ytdlp_files if name.startswith("yt-dlp") else yc_files
        lines.append(f"| {name} | {wall:.1f} | {cpu:.1f} | {gets} | {reqs} | {files} |")
    lines += [
        "",
        f"- speed-up, yc ({args.workers} workers) vs sequential yt-dlp: **{speedup:.2f}x** (goal >= 3x)",
        f"- no-change re-run: **{rerun_share:.1%}** of the first run's time (goal < 10%); it made "
        f"{results['yc collect re-run'][2]} media requests (yt-dlp's archive re-run: {results['yt-dlp re-run (archive)'][2]})",
        "",
    ]
    from bench.collect import listing

    lines += listing.section(listing.measure())
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
