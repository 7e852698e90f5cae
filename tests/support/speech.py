"""Speech with known text, made by espeak-ng (and ffmpeg for other containers)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# ~60 seconds at espeak's default rate: the reference text for WER tests.
PARAGRAPH = (
    "Rust is a fast and memory efficient language. It was created to make systems programming safe. "
    "The compiler checks every reference before the program runs, so data races cannot happen. "
    "Developers say the borrow checker is strict at first, but it teaches good habits. "
    "Many companies now use it for web servers, command line tools and embedded devices. "
    "The package manager is called cargo, and it builds, tests and publishes your code. "
    "If you want to learn more, read the book, write small programs every day, and ask questions. "
    "This has been the language in one minute. Thanks for watching, and see you in the next one."
)

SHORT = "Hello and welcome back to the channel. Today we build a tiny web server in ten lines of code."


def have_tools() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("ffmpeg"))


def speak(text: str, out: Path, *, voice: str = "en-us", speed: int = 160, pad_s: float = 0.0) -> Path:
    """Write ``text`` spoken by espeak-ng to ``out``; the suffix picks the format (.wav/.mp3/.opus/.m4a).

    ``pad_s`` adds that much silence before and after the speech.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wav = out.with_suffix(".espeak.wav")
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True, capture_output=True
    )
    filters = ["-af", f"adelay={int(pad_s * 1000)}:all=1,apad=pad_dur={pad_s}"] if pad_s else []
    if out.suffix == ".wav" and not pad_s:
        wav.rename(out)
        return out
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(wav), *filters, "-ac", "1", str(out)],
        check=True,
    )
    wav.unlink()
    return out


def silence(out: Path, seconds: float) -> Path:
    """Write ``seconds`` of digital silence (16 kHz mono) to ``out``."""
    lavfi = ["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", str(seconds)]
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", *lavfi, str(out)], check=True)
    return Path(out)


def duration_s(path: Path) -> float:
    """Duration of a media file according to ffprobe."""
    res = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(res.stdout.strip())
