"""Subject-access report: the export document in, a readable Markdown report and files out.

Invariant: the report shows the same values as the JSON beside it; nothing is recomputed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_SYSTEM_TABLES = ("match_evidence", "corrections", "suppressions", "privacy_requests", "quarantine")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    return text[:10] if len(text) >= 19 and text[4] == "-" and text[10] == "T" else text


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |")
    return lines


def render_markdown(document: dict[str, Any]) -> str:
    """A report a privacy officer can send to the person."""
    subject = document["subject"]
    lines = [
        f"# What we hold about customer {subject['customer_id']}",
        "",
        f"Generated {subject['generated_at']} (request {subject['request_id']}).",
        "",
        "## Your current profile",
        "",
        *_table(["field", "value"], [[k, v] for k, v in document["profile"].items()]),
        "",
        "## Every value, where it came from and why we may hold it",
        "",
        "Values marked *history* are no longer used but are kept until their retention ends.",
        "",
    ]
    rows = [
        [
            v["field"],
            v["value"],
            ("in use" if v["survivor"] else "held") if v["in_force"] else "history",
            f"{v['source']} ({v['supplier'] or 'you'})",
            v["legal_basis"],
            v["purposes"],
            v["acquired_at"],
            v["expires_at"],
            v["licence"],
        ]
        for v in document["values"]
    ]
    header = ["field", "value", "status", "source", "legal basis", "purposes", "acquired"]
    lines += _table([*header, "kept until", "licence"], rows)
    lines += ["", "## What the purposes mean", ""]
    lines += _table(["purpose", "meaning"], [[p, d] for p, d in document["purposes"].items()])
    lines += ["", "## Other records about you", ""]
    for table in _SYSTEM_TABLES:
        found = document["tables"].get(table, [])
        lines += [f"### {table} ({len(found)} rows)", ""]
        if found:
            columns = list(found[0])
            lines += _table(columns, [[r[c] for c in columns] for r in found])
        lines.append("")
    return "\n".join(lines)


def write_report(document: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write `<customer>-<request>.json` and `.md` into `out_dir`; returns both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", str(document["subject"]["customer_id"]))
    stem = f"subject-access-{safe_id}"
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
    md_path.write_text(render_markdown(document), encoding="utf-8")
    return json_path, md_path
