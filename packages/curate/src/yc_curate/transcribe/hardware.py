"""How much parallelism fits the machine: workers x threads on CPU, batching on GPU."""

from __future__ import annotations

import os
from dataclasses import dataclass


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def cuda_available() -> bool:
    """CUDA through CTranslate2 (no torch import) or torch, whichever is installed."""
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:
        pass
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ModuleNotFoundError:
        return False


@dataclass(frozen=True)
class Plan:
    device: str  # cpu | cuda
    workers: int  # items transcribed at once
    threads: int  # intra-op threads per worker (CPU)
    batch_size: int  # chunks decoded together


def plan(
    device: str = "auto",
    workers: int | None = None,
    threads: int | None = None,
    batch_size: int | None = None,
) -> Plan:
    """Pick device and parallelism. Explicit values win.

    CPU: small Whisper models scale poorly with intra-op threads, so files run side by side: one thread
    per worker up to 4 cores, two above. GPU: one worker, large batches.
    """
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    if device == "cuda":
        return Plan("cuda", workers or 1, threads or 1, batch_size or 16)
    cores = cpu_count()
    t = threads or (1 if cores <= 4 else 2)
    w = workers or max(1, cores // t)
    return Plan("cpu", w, t, batch_size or 8)
