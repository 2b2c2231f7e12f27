"""What a regex can match at all: a pattern in, the characters any match must start with out.

GX tests a value against a regex with `re.search`. When every alternative of the pattern is
anchored at the start of the string (`^`, no MULTILINE) and consumes a character from a known
set first, a value whose first character is outside that set (or that is empty) cannot match:
all such values get one verdict, so GX need judge only one of them. Invariant: the answer is
None unless that holds for every alternative (no case folding, no character classes such as
`\\d`, nothing that may match the empty string first).
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib's own parse of a pattern (re compiles from it)
from re._constants import AT, AT_BEGINNING, BRANCH, IN, LITERAL, MAX_REPEAT, RANGE, SUBPATTERN
from typing import Any

# Flags that leave `^` and the first character's meaning alone.
HARMLESS_FLAGS = re.UNICODE | re.ASCII | re.DOTALL | re.VERBOSE
MAX_RANGE = 256


def _first(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The characters the first consumed character of this sequence is one of."""
    if not items:
        return None
    op, argument = items[0]
    if op is LITERAL:
        return {chr(argument)}
    if op is IN:
        chars: set[str] = set()
        for member, value in argument:
            if member is LITERAL:
                chars.add(chr(value))
            elif member is RANGE and value[1] - value[0] <= MAX_RANGE:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            else:  # NEGATE, CATEGORY, wide ranges: not told simply
                return None
        return chars
    if op is BRANCH:
        return _union(_first(list(alternative)) for alternative in argument[1])
    if op is SUBPATTERN and not argument[1] and not argument[2]:
        return _first(list(argument[3]))
    if op is MAX_REPEAT and argument[0] >= 1:
        return _first(list(argument[2]))
    return None


def _union(parts: Any) -> set[str] | None:
    found: set[str] = set()
    for part in parts:
        if part is None:
            return None
        found |= part
    return found


def _anchored(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The start characters of a sequence whose every match begins at the string's start."""
    if not items:
        return None
    op, argument = items[0]
    if op is AT and argument is AT_BEGINNING:
        return _first(items[1:])
    if op is BRANCH and len(items) == 1:
        return _union(_anchored(list(alternative)) for alternative in argument[1])
    return None


def start_characters(pattern: str) -> frozenset[str] | None:
    """The characters every `re.search(pattern, text)` match starts text with; None when the
    pattern may match elsewhere or otherwise (then every value must be tested)."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, TypeError):
        return None
    if parsed.state.flags & ~HARMLESS_FLAGS:
        return None
    found = _anchored(list(parsed))
    return None if found is None else frozenset(found)
