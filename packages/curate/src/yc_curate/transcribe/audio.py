"""Audio probing and decoding (PyAV from faster-whisper when present, else the ffmpeg programs)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from yc_curate.transcribe.errors import TranscribeError

SAMPLE_RATE = 16_000


class EmptyAudio(TranscribeError):
    """The file holds no audio samples (zero bytes, or a container with zero duration)."""


def probe_duration(path: Path) -> float:
    """Duration in seconds; 0.0 for an empty file; raises TranscribeError for a file that is not audio."""
    path = Path(path)
    if not path.is_file():
        raise TranscribeError(f"audio file not found: {path}", "collect the audio again (yc collect)")
    if path.stat().st_size == 0:
        return 0.0
    try:
        import av

        with av.open(str(path)) as container:
            streams = [s for s in container.streams if s.type == "audio"]
            if not streams:
                raise TranscribeError(f"no audio stream in {path.name}", "check the file")
            if container.duration is not None:
                return max(0.0, container.duration / 1_000_000)
            stream = streams[0]
            if stream.duration is not None and stream.time_base is not None:
                return max(0.0, float(stream.duration * stream.time_base))
    except ModuleNotFoundError:
        return _ffprobe_duration(path)
    except TranscribeError:
        raise
    except Exception as err:  # PyAV raises its own InvalidDataError family
        raise TranscribeError(
            f"cannot read audio {path.name}: {type(err).__name__}", "the file is corrupt"
        ) from err
    return len(load_audio(path)) / SAMPLE_RATE


def _ffprobe_duration(path: Path) -> float:
    if not shutil.which("ffprobe"):
        raise TranscribeError("cannot probe audio: neither PyAV nor ffprobe is installed", "install ffmpeg")
    res = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise TranscribeError(
            f"cannot read audio {path.name}: {res.stderr.strip()[:120]}", "the file is corrupt"
        )
    try:
        return max(0.0, float(res.stdout.strip()))
    except ValueError:
        return 0.0


def load_audio(path: Path, sampling_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mono float32 samples at ``sampling_rate``; raises EmptyAudio / TranscribeError."""
    path = Path(path)
    if not path.is_file():
        raise TranscribeError(f"audio file not found: {path}", "collect the audio again (yc collect)")
    if path.stat().st_size == 0:
        raise EmptyAudio(f"{path.name} is empty (0 bytes)")
    try:
        from faster_whisper.audio import decode_audio
    except ModuleNotFoundError:
        samples = _ffmpeg_decode(path, sampling_rate)
    else:
        try:
            samples = decode_audio(str(path), sampling_rate=sampling_rate)
        except Exception as err:
            raise TranscribeError(
                f"cannot decode audio {path.name}: {type(err).__name__}", "the file is corrupt"
            ) from err
    if samples.size == 0:
        raise EmptyAudio(f"{path.name} holds no audio samples")
    return samples.astype(np.float32, copy=False)


def _ffmpeg_decode(path: Path, sampling_rate: int) -> np.ndarray:
    if not shutil.which("ffmpeg"):
        raise TranscribeError("cannot decode audio: neither PyAV nor ffmpeg is installed", "install ffmpeg")
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar"]
    res = subprocess.run([*cmd, str(sampling_rate), "-"], capture_output=True)
    if res.returncode != 0:
        raise TranscribeError(
            f"cannot decode audio {path.name}: {res.stderr.decode()[:120]}", "the file is corrupt"
        )
    return np.frombuffer(res.stdout, np.int16).astype(np.float32) / 32768.0
