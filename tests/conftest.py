"""Shared test helpers: small hypothesis strategies and a fixture that resets global state.

Import the strategies in a test file with ``from tests.conftest import float64_arrays, shapes``.
"""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan


@pytest.fixture(autouse=True)
def numpy_backend():
    """Every test starts on the NumPy backend, with float32 as the default dtype and seed 0,
    and leaves them that way for the next test."""
    minigan.set_backend("numpy")
    minigan.set_default_dtype(minigan.float32)
    minigan.manual_seed(0)
    yield
    minigan.set_backend("numpy")
    minigan.set_default_dtype(minigan.float32)


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=3):
    """Small array shapes (size-1 dimensions included: min_side defaults to 1)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def float64_arrays(shape, low=-2.0, high=2.0, min_abs=0.0):
    """float64 arrays of ``shape`` (a tuple or a strategy of tuples) with finite values in
    [low, high]. ``min_abs > 0`` keeps every value at least that far from 0 (away from the
    kinks of abs, relu, ...), with either sign; then the range is [-high, -min_abs] and
    [min_abs, high]."""
    if min_abs > 0:
        magnitude = st.floats(min_abs, high, allow_nan=False, allow_infinity=False)
        elements = st.tuples(st.sampled_from((-1.0, 1.0)), magnitude).map(lambda sm: sm[0] * sm[1])
    else:
        elements = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return hnp.arrays(np.float64, shape, elements=elements)


def leaf(array, requires_grad=True):
    """A float64 (or whatever ``array`` is) leaf tensor holding a copy of ``array``."""
    return minigan.tensor(np.asarray(array), requires_grad=requires_grad)
