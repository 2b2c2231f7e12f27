"""How vendors write a value: accents dropped, phone layouts, blank cells, odd email casing.

Input: one clean value and a seeded roll or layout number. Output: that value as a vendor sends it.
Invariant: pure functions (no random state of their own), so output depends only on the draws.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

import numpy as np


@cache
def fold_accents(text: str) -> str:
    """Drop accents: vendors often hold names in ASCII only."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def slug(text: str) -> str:
    """Lower-case ASCII letters and digits only: a name as a domain or email holds it."""
    return "".join(ch for ch in fold_accents(text).lower() if ch.isalnum())


def phone_text(national: str, layout: int) -> str:
    """Render a 10-digit national number (no trunk 0) in one of the layouts brokers use."""
    head, tail = national[:4], national[4:]
    layouts = (
        f"0{head} {tail}", f"+44 {head} {tail}", f"(0{head}) {tail[:3]}-{tail[3:]}",
        f"44{national}", f"0{national}", f"+44{national}", "",
    )  # fmt: skip
    return layouts[layout]


def blank(values: Iterable[str], missing: np.ndarray) -> list[str | None]:
    """Each value, or None where `missing` is set (an empty cell in the delivery)."""
    return [None if gone else value for value, gone in zip(values, missing, strict=True)]


def email_case(email: str, roll: float) -> str:
    """Addresses typed in capitals or with capitalised name parts (1 in 10)."""
    if roll < 0.05:
        return email.upper()
    if roll < 0.10:
        local, domain = email.split("@")
        return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain
    return email
