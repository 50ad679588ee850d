"""``def build(self)`` (no input shape), as keras.io's GRN/VSN example writes it, is called with nothing.

Keras's ``_maybe_build`` passes the input shape only to a ``build`` that takes
an argument; keraton called ``build(input_shape)`` and raised ``TypeError``.
"""

import numpy as np
import pytest

import keraton


def _gated(lib):
    class Gated(lib.layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.linear = lib.layers.Dense(units)
            self.gate = lib.layers.Dense(units, activation="sigmoid")

        def call(self, inputs):
            return self.linear(inputs) * self.gate(inputs)

        def build(self):
            self.built = True

    return Gated


def _run(lib, symbolic):
    layer = _gated(lib)(3)
    x = np.arange(8, dtype="float32").reshape(2, 4) / 8
    if symbolic:
        inputs = lib.Input((4,))
        model = lib.Model(inputs, layer(inputs))
    else:
        layer(x)
        model = layer
    rs = np.random.RandomState(0)
    model.set_weights([rs.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return len(layer.weights), lib.ops.convert_to_numpy(model(x))


@pytest.mark.parametrize("symbolic", [False, True])
def test_build_without_argument_is_called_and_sublayers_build_on_call(symbolic):
    n_weights, out = _run(keraton, symbolic)
    assert n_weights == 4 and out.shape == (2, 3)
    keras = pytest.importorskip("keras")
    ref_n, ref_out = _run(keras, symbolic)
    assert n_weights == ref_n
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)


def test_subclassed_model_build_without_argument():
    class Net(keraton.Model):
        def __init__(self):
            super().__init__()
            self.dense = keraton.layers.Dense(2)
            self.built_calls = 0

        def build(self):
            self.built_calls += 1

        def call(self, x):
            return self.dense(x)

    net = Net()
    assert tuple(net(np.ones((3, 5), "float32")).shape) == (3, 2)
    assert net.built_calls == 1 and net.built
