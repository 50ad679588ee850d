"""``ops.convert_to_numpy`` of a conv kernel gives Keras's layout, as ``variable.numpy()`` does.

keraton keeps conv kernels in torch's layout ``(filters, in, *kernel_size)``;
keras.io's PixelCNN example reads a kernel with ``ops.convert_to_numpy`` and
expects Keras's ``(*kernel_size, in, filters)`` (the layout ``get_weights``,
``numpy()`` and ``assign`` use).
"""

import numpy as np
import pytest

import keraton
from keraton import ops

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("cls, shape", [("Conv2D", (5, 5, 2)), ("Conv1D", (7, 3)),
                                         ("Conv2DTranspose", (4, 4, 3))])
def test_convert_to_numpy_of_kernel_matches_keras(cls, shape):
    ours = getattr(keraton.layers, cls)(4, 3)
    theirs = getattr(keras.layers, cls)(4, 3)
    ours.build((None,) + shape)
    theirs.build((None,) + shape)
    value = np.random.RandomState(0).normal(size=theirs.kernel.shape).astype("float32")
    theirs.kernel.assign(value)
    ours.kernel.assign(value)
    got = ops.convert_to_numpy(ours.kernel)
    expected = keras.ops.convert_to_numpy(theirs.kernel)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, ours.kernel.numpy())
    # still a copy
    got[...] = 0
    assert float(np.abs(ours.kernel.numpy()).sum()) > 0


def test_masked_kernel_round_trip_through_numpy():
    """PixelCNN's ``kernel.assign(convert_to_numpy(kernel) * mask)`` keeps Keras's layout."""
    conv = keraton.layers.Conv2D(2, 3)
    conv.build((None, 4, 4, 1))
    mask = np.zeros((3, 3, 1, 2))
    mask[:1] = 1.0
    before = conv.kernel.numpy()
    conv.kernel.assign(ops.convert_to_numpy(conv.kernel) * mask)
    np.testing.assert_array_equal(conv.kernel.numpy(), before * mask)
