"""The dtype name ``"int"`` means int32, as in Keras 3 on torch.

keras.io's Swin Transformer example makes its relative position index with
``keras.Variable(..., dtype="int")``; keraton refused the name.
"""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def test_variable_with_int_dtype_name_matches_keras():
    index = np.arange(6).reshape(2, 3)
    ours = keraton.Variable(initializer=index, shape=index.shape, dtype="int", trainable=False)
    theirs = keras.Variable(initializer=index, shape=index.shape, dtype="int", trainable=False)
    assert keraton.ops.dtype(ours) == theirs.dtype == "int32"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_cast_to_int_name_matches_keras():
    x = np.array([1.7, -2.2, 3.0], "float32")
    ours = keraton.ops.cast(x, "int")
    theirs = keras.ops.cast(x, "int")
    assert keraton.ops.dtype(ours) == keras.ops.dtype(theirs) == "int32"
    np.testing.assert_array_equal(keraton.ops.convert_to_numpy(ours),
                                  keras.ops.convert_to_numpy(theirs))
