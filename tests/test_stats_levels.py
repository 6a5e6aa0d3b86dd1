"""Hash-based distinct values and codes (myoild.stats.levels) equal numpy's sorting np.unique."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from myoild.stats.levels import distinct, level_codes

FLOATS = hnp.arrays(np.float64, st.integers(1, 60), elements=st.floats(allow_infinity=True, allow_nan=True, width=64))
DAYS = hnp.arrays(np.float64, st.integers(1, 60), elements=st.integers(-3, 400).map(float))
INTEGERS = hnp.arrays(np.int64, st.integers(1, 60), elements=st.integers(-(2**62), 2**62))
LABELS = st.lists(
    st.sampled_from(["tacrolimus", "conventional", "b", "a", "site 10", "site 9"]), min_size=1, max_size=60
)


def _assert_as_numpy(values):
    levels, codes = level_codes(values)
    expected_levels, expected_codes = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(levels, expected_levels)
    assert levels.dtype == expected_levels.dtype
    np.testing.assert_array_equal(codes, expected_codes.reshape(-1))
    np.testing.assert_array_equal(distinct(values), np.unique(values))


@settings(max_examples=150, deadline=None)
@given(st.one_of(FLOATS, DAYS, INTEGERS))
def test_level_codes_of_numbers_equal_numpy_unique(values):
    _assert_as_numpy(values)


@settings(max_examples=60, deadline=None)
@given(LABELS, st.booleans())
def test_level_codes_of_labels_equal_numpy_unique(labels, as_object):
    _assert_as_numpy(np.array(labels, dtype=object if as_object else None))


def test_level_codes_of_booleans_and_missing_values():
    _assert_as_numpy(np.array([True, False, True]))
    levels, codes = level_codes(np.array([2.0, np.nan, 1.0, np.nan]))
    np.testing.assert_array_equal(levels, [1.0, 2.0, np.nan])
    np.testing.assert_array_equal(codes, [1, 2, 0, 2])
