"""Benchmark: yc transcription pipeline vs faster-whisper used as its README shows."""
