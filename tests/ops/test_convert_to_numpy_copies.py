"""``ops.convert_to_numpy`` returns a copy (Keras's ``np.array(x)``), not a view of the tensor.

keras.io's subclassing guide reads ``ComputeSum``'s output (its ``total`` variable)
after each call; with a view, the first result changed when the variable was
updated by the second call (Keras 3 gives [2, 2] then [4, 4]).
"""

import numpy as np
import torch

import keraton
from keraton import ops


class ComputeSum(keraton.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


def test_layer_output_aliasing_a_variable_is_snapshotted():
    layer = ComputeSum(2)
    first = ops.convert_to_numpy(layer(ops.ones((2, 2))))
    second = ops.convert_to_numpy(layer(ops.ones((2, 2))))
    np.testing.assert_array_equal(first, [2.0, 2.0])
    np.testing.assert_array_equal(second, [4.0, 4.0])


def test_array_does_not_share_memory_with_tensor():
    t = torch.arange(3.0)
    a = ops.convert_to_numpy(t)
    t.add_(10.0)
    np.testing.assert_array_equal(a, [0.0, 1.0, 2.0])
    a[0] = 5.0
    assert float(t[0]) == 10.0
