"""Keras 2 layer behaviours from the classic examples (antirectifier, mnist_net2net).

* a ``call`` that updates its inputs in place (``inputs -= K.mean(inputs, ...)``)
  leaves the caller's NumPy array alone, as Keras (TensorFlow) copies it;
* ``weights=`` in a layer's constructor sets its weights once it is built.
"""

import numpy as np
import pytest

import keraton
from keraton import backend as K


class Centering(keraton.layers.Layer):
    """Subtract the per-sample mean, updating the input in place as the antirectifier example."""

    def call(self, inputs):
        inputs -= K.mean(inputs, axis=1, keepdims=True)
        return inputs


def test_in_place_call_does_not_write_into_numpy_input():
    x = np.array([[1.0, 2.0, 6.0]], dtype="float32")
    out = Centering()(x)
    np.testing.assert_allclose(keraton.ops.convert_to_numpy(out), [[-2.0, -1.0, 3.0]])
    np.testing.assert_array_equal(x, [[1.0, 2.0, 6.0]])


def test_weights_argument_sets_conv2d_weights_when_built():
    kernel = np.zeros((3, 3, 2, 2), dtype="float32")
    kernel[1, 1, 0, 0] = kernel[1, 1, 1, 1] = 1.0  # net2deeper's identity convolution
    bias = np.array([0.5, -0.5])
    model = keraton.Sequential([
        keraton.layers.Conv2D(2, 3, padding="same", input_shape=(4, 4, 2),
                              weights=[kernel, bias]),
    ])
    w, b = model.layers[0].get_weights()
    np.testing.assert_array_equal(w, kernel)
    np.testing.assert_allclose(b, [0.5, -0.5])
    x = np.arange(32, dtype="float32").reshape(1, 4, 4, 2)
    np.testing.assert_allclose(model.predict(x, verbose=0), x + np.array([0.5, -0.5]))


def test_weights_argument_on_dense_called_later():
    layer = keraton.layers.Dense(2, weights=[np.eye(3, 2, dtype="float32"), np.ones(2)])
    assert not layer.built
    out = layer(np.array([[1.0, 2.0, 3.0]], dtype="float32"))
    np.testing.assert_allclose(keraton.ops.convert_to_numpy(out), [[2.0, 3.0]])


def test_weights_argument_of_wrong_shape_names_the_problem():
    layer = keraton.layers.Dense(2, weights=[np.zeros((4, 2)), np.zeros(2)])
    with pytest.raises(ValueError):
        layer(np.zeros((1, 3), dtype="float32"))


def test_weights_argument_applies_on_a_direct_build_and_after_a_subclass_build():
    table = np.arange(12, dtype="float32").reshape(4, 3)
    embedding = keraton.layers.Embedding(4, 3, weights=[table])
    embedding.build((None, 2))  # built directly, not through a call
    np.testing.assert_array_equal(embedding.get_weights()[0], table)

    class DenseWithScale(keraton.layers.Dense):
        def build(self, input_shape):
            super().build(input_shape)  # the weights are set after this build, not inside it
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    kernel, bias = np.ones((2, 1), "float32"), np.zeros(1, "float32")
    layer = DenseWithScale(1, weights=[kernel, bias, np.float32(3.0)])
    out = layer(np.ones((1, 2), "float32"))
    assert float(layer.scale.numpy()) == 3.0
    np.testing.assert_allclose(keraton.ops.convert_to_numpy(out), [[2.0]])
