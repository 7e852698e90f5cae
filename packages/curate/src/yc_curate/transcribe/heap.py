"""Keep freed memory for reuse (glibc): CPU Whisper otherwise spends a tenth of its time in page faults.

CTranslate2 allocates its large buffers (the encoder's attention scores, 54 MB per 30 s window for
tiny.en) afresh for every call. glibc serves big allocations from new memory maps and hands freed memory
back to the kernel, so each call first faults in and zeroes every page again: 1.3 million page faults and
5 CPU seconds of kernel time for ten minutes of audio (`bench/transcribe`). With the settings below the
heap keeps what it frees and the same pages are reused: about 0.1 million faults.

The settings are process-wide and stay in force: the process keeps its peak heap instead of returning it.
The faster-whisper backend applies them once, on CPU, before it loads a model. Other C libraries are
unaffected in behaviour. On anything but glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from functools import cache

log = logging.getLogger(__name__)

# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_MAX = -4

SETTINGS = (
    (M_MMAP_MAX, 0),  # big blocks come from the heap, not from a new memory map each time
    (M_TRIM_THRESHOLD, 1 << 30),  # do not hand freed memory back to the kernel
    (M_TOP_PAD, 64 << 20),  # keep thread heaps (64 MB each) alive when their blocks are freed
)


@cache
def retain_freed_memory() -> bool:
    """Apply :data:`SETTINGS` once; True where they took effect (Linux with glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    ok = all(mallopt(param, value) == 1 for param, value in SETTINGS)
    log.debug("glibc heap retains freed memory: %s", ok)
    return ok
