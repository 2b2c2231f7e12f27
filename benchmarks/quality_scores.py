"""Scores shared by every method: link precision/recall against known pairs, and the result
record a method hands back. Invariant: a figure means the same whichever method produced it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class LinkScores:
    """Pairs (source record, customer) predicted against the true pairs of one source."""

    predicted: int
    true_positives: int
    true_links: int
    precision: float
    recall: float
    f1: float


def link_scores(predicted: Iterable[tuple[str, str]], truth: frozenset[tuple[str, str]]):
    chosen = set(predicted)
    hits = len(chosen & truth)
    precision = hits / len(chosen) if chosen else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LinkScores(len(chosen), hits, len(truth), precision, recall, f1)


def best_per_record(pairs: Iterable[tuple[str, str, float]]) -> list[tuple[str, str]]:
    """Each source record's most probable customer (one-to-one from the source side)."""
    best: dict[str, tuple[float, str]] = {}
    for record, customer, probability in pairs:
        if record not in best or probability > best[record][0]:
            best[record] = (probability, customer)
    return [(record, customer) for record, (_, customer) in best.items()]


@dataclass
class MethodResult:
    """What one method did on one dataset. `links` maps a view name (e.g. `acme_b2b` or
    `febrl4_b best per record`) to its link scores; `enrichment` is set for our pipeline."""

    dataset: str
    method: str
    seconds: float = 0.0
    link_seconds: float | None = None  # ours: the link steps alone (baselines only link)
    peak_rss_mib: float = 0.0
    links: dict[str, LinkScores] = field(default_factory=dict)
    enrichment: dict[str, float | int] | None = None
    decoy_fills: int | None = None
    decoys_known: bool = False
    decoy_links: int | None = None
    histogram: str = ""
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> MethodResult:
        links = {k: LinkScores(**v) for k, v in data.pop("links").items()}
        return cls(links=links, **data)
