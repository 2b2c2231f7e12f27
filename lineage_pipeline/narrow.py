"""Integer types sized to what they hold: a code, rank or position per row in the narrowest
signed integer that holds it. At ten million rows an int64 column where int8 to int32 would do
is tens of megabytes more, and the merge and the checks hold many such columns at once.

Signed, so that -1 (missing) fits whatever the type.
"""

from __future__ import annotations

import numpy as np

_TYPES = (np.int8, np.int16, np.int32, np.int64)


def int_type(largest: int) -> type[np.signedinteger]:
    """The narrowest signed integer type holding every value in -1..`largest`."""
    for kind in _TYPES[:-1]:
        if largest <= np.iinfo(kind).max:
            return kind
    return np.int64


def narrow(codes: np.ndarray, largest: int) -> np.ndarray:
    """`codes` (all in -1..`largest`) in `int_type(largest)`; no copy if already so."""
    return codes.astype(int_type(largest), copy=False)
