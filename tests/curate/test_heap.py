"""The glibc heap settings keep freed memory for reuse (yc_curate.transcribe.heap)."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

# Runs in a fresh interpreter: the settings are process-wide and cannot be undone. Like CTranslate2, it
# allocates a large block with malloc, writes every page and frees it, three times, and prints the page
# faults each round took.
PROBE = """
import ctypes, resource, sys
from yc_curate.transcribe.heap import retain_freed_memory
if sys.argv[1] == "on":
    assert retain_freed_memory() and retain_freed_memory()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
size = 96 << 20  # like the encoder's attention buffers: over glibc's 32 MB memory-map ceiling
faults = []
for _ in range(4):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = libc.malloc(size)
    ctypes.memset(block, 1, size)
    libc.free(block)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(*faults[1:])
"""


def _faults(setting: str) -> list[int]:
    out = subprocess.run([sys.executable, "-c", PROBE, setting], capture_output=True, text=True, check=True)
    return [int(x) for x in out.stdout.split()]


def test_a_freed_block_is_reused_without_faulting_its_pages_in_again():
    pages = (96 << 20) // resource.getpagesize()
    off, on = _faults("off"), _faults("on")
    assert min(off) > pages // 2, off  # glibc's default: a fresh memory map, every page faulted in again
    assert max(on) < pages // 50, on  # retained: the same pages are reused
