"""Integer types sized to what they hold, -1 (missing) included."""

import numpy as np

from lineage_pipeline.narrow import int_type, narrow


def test_the_narrowest_signed_type_holding_the_largest_value():
    assert [int_type(n) for n in (0, 127, 128, 32_767, 32_768, 2**31 - 1, 2**31)] == [
        np.int8, np.int8, np.int16, np.int16, np.int32, np.int32, np.int64,
    ]  # fmt: skip


def test_codes_keep_their_values_and_missing_in_the_narrow_type():
    codes = np.array([-1, 0, 300, 5], dtype=np.int64)
    narrowed = narrow(codes, 300)
    assert narrowed.dtype == np.int16
    assert narrowed.tolist() == [-1, 0, 300, 5]
    assert narrow(narrowed, 300) is narrowed  # already so: no copy
