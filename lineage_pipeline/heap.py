"""Freed heap handed back to the system: glibc keeps freed pages for reuse, so a process that
has let go of a gigabyte still holds it until asked to trim."""

import ctypes
import ctypes.util
from functools import cache


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
