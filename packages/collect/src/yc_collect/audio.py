"""Compact speech audio: probe a media file, convert it with ffmpeg, hash it, publish it atomically.

The converted file is written to a temporary name inside ``<audio_dir>/.partial/`` and renamed to
``<audio_dir>/<id>.<ext>`` only after ffmpeg finished and the sha256 and duration are known, so a run
killed at any moment never leaves a half-written file under a final name.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from yc_collect.errors import CollectError
from yc_collect.failures import VideoFailure
from yc_collect.options import CollectOptions

PARTIAL_DIR = ".partial"
_MUXERS = {
    "opus": "opus",
    "ogg": "ogg",
    "oga": "ogg",
    "m4a": "ipod",
    "mp3": "mp3",
    "wav": "wav",
    "flac": "flac",
}


@dataclass(frozen=True)
class AudioFile:
    path: Path
    sha256: str
    seconds: float | None
    size: int


def require_ffmpeg() -> None:
    """Fail early, with the fix, when ffmpeg/ffprobe are missing."""
    missing = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        raise CollectError(
            f"{' and '.join(missing)} not found on PATH",
            "install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) or use --no-audio",
        )


def probe_duration(path: Path) -> float | None:
    """Duration in seconds (the container's, else the longest stream's) according to ffprobe."""
    res = subprocess.run(
        [
            "ffprobe", "-v", "error", "-show_entries", "format=duration:stream=duration",
            "-of", "json", str(path),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if res.returncode != 0:
        raise VideoFailure("convert", f"ffprobe cannot read {path.name}: {_last_line(res.stderr)}")
    doc = json.loads(res.stdout or "{}")
    duration = _float((doc.get("format") or {}).get("duration"))
    if duration is None:
        durations = [
            d for d in (_float(s.get("duration")) for s in doc.get("streams") or []) if d is not None
        ]
        duration = max(durations) if durations else None
    return duration


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def final_path(audio_dir: Path, video_id: str, options: CollectOptions) -> Path:
    return audio_dir / f"{video_id}.{options.audio_ext}"


def partial_dir(audio_dir: Path) -> Path:
    return audio_dir / PARTIAL_DIR


def describe(path: Path) -> AudioFile:
    """sha256, duration and size of a finished audio file."""
    return AudioFile(path, sha256_of(path), probe_duration(path), path.stat().st_size)


def convert(src: Path, audio_dir: Path, video_id: str, options: CollectOptions) -> AudioFile:
    """Convert ``src`` to compact speech audio named by ``video_id`` and publish it atomically."""
    final = final_path(audio_dir, video_id, options)
    tmp = partial_dir(audio_dir) / f"{video_id}.{options.audio_ext}.tmp"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src),
        "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1",
        "-ac", str(options.channels), "-ar", str(options.sample_rate),
        "-c:a", options.audio_codec, "-b:a", options.bitrate,
    ]  # fmt: skip
    if options.audio_codec == "libopus":
        cmd += ["-application", "voip"]
    cmd += ["-f", _MUXERS.get(options.audio_ext, options.audio_ext), str(tmp)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        if "matches no streams" in res.stderr:  # -map 0:a:0 found no audio stream
            raise VideoFailure("no_audio", f"{src.name} has no audio stream")
        raise VideoFailure("convert", f"ffmpeg failed on {src.name}: {_last_line(res.stderr)}")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    done = describe(tmp)
    os.replace(tmp, final)
    return AudioFile(final, done.sha256, done.seconds, done.size)


def clean_partials(audio_dir: Path) -> int:
    """Remove leftover conversion temp files (``*.tmp``); yt-dlp's ``.part`` downloads stay for resuming."""
    n = 0
    pdir = partial_dir(audio_dir)
    if pdir.is_dir():
        for tmp in pdir.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
            n += 1
    return n


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1] if lines else "no message"
