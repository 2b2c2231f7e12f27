"""This process's memory as the kernel counts it, and freed heap handed back to the system:
glibc keeps freed pages for reuse, so a process that has let go of a gigabyte still holds it
until asked to trim."""

import ctypes
import ctypes.util
from functools import cache
from pathlib import Path

_STATUS = Path("/proc/self/status")
_ROLLUP = Path("/proc/self/smaps_rollup")


def status_mb(key: str) -> float | None:
    """A memory figure of /proc/self/status (VmRSS, VmHWM, ...) in MB; None where there is
    none (not Linux)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024  # the kernel reports kB
    except OSError:
        return None
    return None


def private_mb() -> float | None:
    """Pages only this process maps (MB): after a fork, those it copied on write and its own
    heap's; None where the kernel does not say."""
    try:
        lines = _ROLLUP.read_text().splitlines()
    except OSError:
        return None
    return sum(int(line.split()[1]) for line in lines if line.startswith("Private_")) / 1024


@cache
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def trim() -> None:
    """Return free heap pages to the system, where the C library can."""
    release = _malloc_trim()
    if release is not None:
        release(0)
