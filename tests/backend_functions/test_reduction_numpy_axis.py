"""``K.sum``/``K.mean``/... take NumPy axes, as Keras 2 did (``axis=np.arange(1, ndim)``)."""

import numpy as np
import pytest

from keraton import backend as K

X = np.arange(24, dtype="float32").reshape(2, 3, 4)


@pytest.mark.parametrize("axis", [np.arange(1, 3), np.int64(1), [np.int64(1), 2], range(1, 3),
                                  np.array(2)])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "std"])
def test_numpy_axes_reduce_as_python_ints(name, axis):
    python_axis = axis.tolist() if isinstance(axis, np.ndarray) else (
        [int(a) for a in axis] if isinstance(axis, (list, range)) else int(axis))
    got = K.get_value(getattr(K, name)(K.variable(X), axis=axis))
    want = K.get_value(getattr(K, name)(K.variable(X), axis=python_axis))
    np.testing.assert_allclose(got, want)
    np.testing.assert_allclose(got, getattr(np, name)(X, axis=tuple(np.atleast_1d(python_axis))),
                               rtol=1e-6)


def test_bad_axis_is_a_type_error():
    with pytest.raises(TypeError, match="axis must be None, an int or a list of ints"):
        K.sum(K.variable(X), axis=1.5)
