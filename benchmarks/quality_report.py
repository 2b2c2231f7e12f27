"""The benchmark's printed report: the figures table, ours-versus-baseline ratios and the
issue's targets. Input: MethodResults. Output: plain text (also valid Markdown tables)."""

from __future__ import annotations

from benchmarks.quality_scores import MethodResult

MIN_PRECISION = 0.995
MIN_RECALL = 0.97
HEADER = (
    "dataset", "method", "scored on", "precision", "recall", "F1", "false", "missed",
    "decoy fills", "seconds", "peak MiB",
)  # fmt: skip


def _table(header: tuple[str, ...], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]

    def line(cells) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join(
        [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        + [line(r) for r in rows]
    )


def _rows(result: MethodResult) -> list[list[str]]:
    if result.error:
        return [[result.dataset, result.method, "error", result.error[:60], *[""] * 7]]
    rows: list[list[str]] = []
    if result.enrichment:
        e = result.enrichment
        rows.append(
            [
                "enrichment (evaluate)",
                f"{e['precision']:.4f}",
                f"{e['recall']:.4f}",
                f"{e['f1']:.4f}",
                str(e["wrong_fills"]),
                str(e["missed"]),
                str(result.decoy_fills) if result.decoys_known else "n/a",
            ]  # fmt: skip
        )
    for view, s in result.links.items():
        decoys = ""
        if not rows and result.decoys_known:  # a baseline: decoys among its best links
            decoys = f"{result.decoy_links} linked"
        rows.append(
            [f"links: {view}", f"{s.precision:.4f}", f"{s.recall:.4f}", f"{s.f1:.4f}",
             str(s.predicted - s.true_positives), str(s.true_links - s.true_positives), decoys]
        )  # fmt: skip
    seconds = f"{result.seconds:.1f}"
    if result.link_seconds is not None:
        seconds += f" (link {result.link_seconds:.1f})"
    cost = [seconds, f"{result.peak_rss_mib:.0f}" if result.peak_rss_mib else "-"]
    return [
        [result.dataset if i == 0 else "", result.method if i == 0 else "", *row]
        + (cost if i == 0 else ["", ""])
        for i, row in enumerate(rows)
    ]


def _source_of(view: str) -> str:
    return view.removesuffix(" best").removesuffix(" pairs")


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.4f}" if b else "-"


def ratios(results: list[MethodResult]) -> list[list[str]]:
    """Ours over each baseline, on the same source's links (values above 1: ours higher)."""
    ours = {r.dataset: r for r in results if r.method == "ours" and not r.error}
    rows = []
    for base in results:
        mine = ours.get(base.dataset)
        if base.method == "ours" or base.error or mine is None:
            continue
        for view, s in base.links.items():
            m = mine.links.get(_source_of(view))
            if m is None:
                continue
            rows.append(
                [
                    base.dataset,
                    base.method,
                    view,
                    _ratio(m.precision, s.precision),
                    _ratio(m.recall, s.recall),
                    _ratio(m.f1, s.f1),
                    _ratio(mine.link_seconds or mine.seconds, base.seconds),
                    _ratio(mine.peak_rss_mib, base.peak_rss_mib),
                ]  # fmt: skip
            )
    return rows


def targets(results: list[MethodResult]) -> list[dict]:
    """The issue's targets for our pipeline on each labelled dataset."""
    checks: list[dict] = []
    for r in results:
        if r.method != "ours" or r.error or not r.enrichment:
            continue
        e = r.enrichment
        checks.append(_check(r.dataset, f"precision >= {MIN_PRECISION}", e["precision"],
                             e["precision"] >= MIN_PRECISION))  # fmt: skip
        checks.append(_check(r.dataset, f"recall >= {MIN_RECALL}", e["recall"],
                             e["recall"] >= MIN_RECALL))  # fmt: skip
        if r.decoys_known:
            checks.append(_check(r.dataset, "no decoy fill", r.decoy_fills, r.decoy_fills == 0))
        for other in results:
            if other.dataset != r.dataset or not other.method.startswith("splink"):
                continue
            for view, s in other.links.items():
                mine = r.links.get(_source_of(view))
                if view.endswith(" best") and mine is not None:
                    met = mine.f1 > s.f1 or mine.f1 == 1.0
                    checks.append(_check(r.dataset, f"F1 beats {other.method} on {view}",
                                         f"{mine.f1:.4f} vs {s.f1:.4f}", met))  # fmt: skip
    return checks


def _check(dataset: str, target: str, value, met: bool) -> dict:
    return {"dataset": dataset, "target": target, "value": value, "met": bool(met)}


def render(results: list[MethodResult], checks: list[dict]) -> str:
    figures = _table(HEADER, [row for r in results for row in _rows(r)])
    parts = ["Linkage quality (false = wrong fills or false links; missed = false negatives)",
             figures]  # fmt: skip
    ratio_rows = ratios(results)
    if ratio_rows:
        header = ("dataset", "baseline", "links", "precision", "recall", "F1", "time", "memory")
        title = (
            "Ours / baseline on the same links (time: our link steps against the baseline's "
            "linking; memory: whole process; below 1 = ours cheaper)"
        )
        parts += ["", title, _table(header, ratio_rows)]
    if checks:
        lines = [
            f"- [{'x' if c['met'] else ' '}] {c['dataset']}: {c['target']} ({_fmt(c['value'])})"
            for c in checks
        ]
        parts += ["", "Targets (issue 5)", *lines]
    notes = [f"- {r.dataset} / {r.method}: {n}" for r in results for n in r.notes]
    if notes:
        parts += ["", "Notes", *notes]
    return "\n".join(parts)


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
