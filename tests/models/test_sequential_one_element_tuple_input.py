"""A built ``Sequential`` called on a one-element tuple or list uses the tensor, as Keras 3.

Keras runs a built Sequential through its Functional graph, which flattens
the inputs (keras.io's "Masked image modeling" calls its augmentation model
on the ``(batch_x,)`` a ``PyDataset`` yields).
"""

import numpy as np

import keraton as keras


def test_one_element_tuple_and_list_inputs():
    seq = keras.Sequential([keras.layers.Rescaling(0.5),
                            keras.layers.Dense(2, kernel_initializer="ones")])
    x = np.arange(6, dtype="float32").reshape(2, 3)
    expected = [[1.5, 1.5], [6.0, 6.0]]  # Keras 3.15
    np.testing.assert_allclose(keras.ops.convert_to_numpy(seq(x)), expected)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(seq((x,))), expected)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(seq([x])), expected)
