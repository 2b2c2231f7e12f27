"""Peak memory of this process, per measured window: read the kernel's high-water mark and reset
it between windows, so each stage reports its own peak rather than the run's running maximum.

Linux resets the mark on `echo 5 > /proc/self/clear_refs`; where that is not allowed (or not
Linux) the figures fall back to getrusage's running maximum, and `resettable` says so.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

from lineage_pipeline.heap import status_mb

_CLEAR_REFS = Path("/proc/self/clear_refs")
_RESET_PEAK = "5"  # proc(5): "5" resets the peak resident set size ("high water mark")


def rss_mb() -> float:
    """Resident memory now (MB)."""
    return status_mb("VmRSS") or peak_since_start_mb()


def peak_since_start_mb() -> float:
    """getrusage's maximum resident set size (MB): the fallback where the mark cannot be read."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes vs kB


class PeakMemory:
    """The peak resident memory since the last `reset()` (MB)."""

    def __init__(self) -> None:
        self.resettable = self._clear()

    @staticmethod
    def _clear() -> bool:
        try:
            _CLEAR_REFS.write_text(_RESET_PEAK)
        except OSError:
            return False
        return status_mb("VmHWM") is not None

    def reset(self) -> None:
        if self.resettable:
            self._clear()

    def peak_mb(self) -> float:
        """The window's peak; without a resettable mark, the process's peak so far."""
        if self.resettable:
            return status_mb("VmHWM") or peak_since_start_mb()
        return peak_since_start_mb()

    def take(self) -> float:
        """The window's peak, then start a new window."""
        peak = self.peak_mb()
        self.reset()
        return peak
