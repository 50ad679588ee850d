"""``keras.activations.*`` take ``KerasTensor``s between ``Input`` and ``Model``, as in Keras 3.

keras.io's memory-efficient-embeddings recipe writes
``prediction = keras.activations.sigmoid(logits) * 5`` on symbolic tensors;
keraton's activations only took concrete tensors (``TypeError``).
"""

import numpy as np
import pytest

import keraton


def _model(lib, activation, **kwargs):
    inputs = lib.Input((4,))
    hidden = lib.layers.Dense(3)(inputs)
    outputs = getattr(lib.activations, activation)(hidden, **kwargs) * 5
    model = lib.Model(inputs, outputs)
    model.set_weights([np.arange(12, dtype="float32").reshape(4, 3) / 12 - 0.4,
                       np.array([0.1, -0.2, 0.3], "float32")])
    return model


@pytest.mark.parametrize("activation,kwargs", [
    ("sigmoid", {}), ("relu", {}), ("softmax", {}), ("gelu", {}), ("tanh", {}),
    ("relu", {"max_value": 0.2}), ("leaky_relu", {"negative_slope": 0.3}), ("exponential", {}),
])
def test_activation_on_symbolic_tensor_matches_keras(activation, kwargs):
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    model = _model(keraton, activation, **kwargs)
    out = model.predict(x, verbose=0)
    eager = keraton.ops.convert_to_numpy(getattr(keraton.activations, activation)(
        keraton.ops.convert_to_tensor(x @ model.get_weights()[0] + model.get_weights()[1]),
        **kwargs)) * 5
    np.testing.assert_allclose(out, eager, rtol=1e-5, atol=1e-6)
    keras = pytest.importorskip("keras")
    np.testing.assert_allclose(out, _model(keras, activation, **kwargs).predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_sigmoid_node_saves_and_reloads(tmp_path):
    model = _model(keraton, "sigmoid")
    x = np.ones((1, 4), "float32")
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.testing.assert_allclose(keraton.models.load_model(path).predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)


def test_eager_calls_unchanged():
    t = keraton.ops.convert_to_tensor(np.array([-1.0, 0.0, 2.0], "float32"))
    np.testing.assert_allclose(keraton.ops.convert_to_numpy(keraton.activations.relu(t)), [0, 0, 2])
    assert keraton.activations.get("sigmoid") is keraton.activations.sigmoid
    assert keraton.activations.serialize(keraton.activations.gelu) == "gelu"
