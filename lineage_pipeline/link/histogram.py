"""A text histogram of match probabilities, for a terminal or Dagster markdown metadata.

Input: probabilities in [0, 1] and the acceptance threshold. Output: a fenced text chart.
Bins are finer towards 0 and 1 (log-odds spacing), where a linkage model puts nearly every
pair, and the threshold is always a bin edge, so the chart shows which pairs it decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Equal steps in log-odds, roughly: each bin past 0.5 holds ten times fewer non-matches.
PROBABILITY_EDGES: tuple[float, ...] = (
    0.0, 0.001, 0.01, 0.1, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0,
)  # fmt: skip


def probability_histogram(
    probabilities: Sequence[float] | np.ndarray,
    threshold: float,
    is_match: Sequence[bool] | np.ndarray | None = None,
    edges: Sequence[float] = PROBABILITY_EDGES,
    width: int = 30,
) -> str:
    """One line per bin: range, count (and, given labels, how many are true matches), bar;
    the bins at or above `threshold` are marked."""
    values = np.asarray(probabilities, dtype=float)
    bounds = np.unique(np.clip([*edges, threshold], 0.0, 1.0))
    counts, _ = np.histogram(values, bins=bounds)
    labelled = is_match is not None
    if labelled:
        matches, _ = np.histogram(values[np.asarray(is_match, dtype=bool)], bins=bounds)
    peak = max(int(counts.max()) if len(counts) else 0, 1)
    head = f"{'match probability':<19}{'pairs':>8}" + (f"{'true':>8}" if labelled else "")
    lines = ["```", head]
    for i, (low, high, count) in enumerate(zip(bounds[:-1], bounds[1:], counts, strict=True)):
        bar = "#" * (max(1, round(width * count / peak)) if count else 0)
        closing = "]" if high == 1.0 else ")"
        label = f"[{_fmt(low)}, {_fmt(high)}{closing}"
        true = f"{int(matches[i]):>8}" if labelled else ""
        mark = "  <- accepted from here" if low == threshold else ""
        lines.append(f"{label:<19}{int(count):>8}{true}  {bar}{mark}")
    above = int((values >= threshold).sum())
    lines.append(f"{len(values)} pairs, {above} at or above the threshold {_fmt(threshold)}")
    lines.append("```")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") if 0 < value < 1 else f"{value:.0f}"
