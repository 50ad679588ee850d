"""``keras.activations.swish`` / ``hard_swish`` are the same functions as ``silu`` / ``hard_silu``.

keras.io's MobileViT example applies ``keras.activations.swish`` to a
``KerasTensor``; keraton bound the aliases before wrapping the activations for
symbolic inputs, so ``swish`` stayed eager-only (``TypeError: object of type
'KerasTensor' has no len()``).
"""

import numpy as np
import pytest

import keraton


@pytest.mark.parametrize("alias,name", [("swish", "silu"), ("hard_swish", "hard_silu")])
def test_alias_is_same_function(alias, name):
    assert getattr(keraton.activations, alias) is getattr(keraton.activations, name)


def _swish_model(lib):
    inputs = lib.Input((3,))
    hidden = lib.layers.Dense(2)(inputs)
    model = lib.Model(inputs, lib.activations.swish(hidden))
    model.set_weights([np.array([[0.5, -1.0], [1.5, 0.2], [-0.7, 0.9]], "float32"),
                       np.array([0.1, -0.3], "float32")])
    return model


def test_swish_on_symbolic_tensor_matches_keras():
    x = np.array([[1.0, -2.0, 0.5], [0.3, 0.4, -1.2]], "float32")
    out = _swish_model(keraton).predict(x, verbose=0)
    z = x @ np.array([[0.5, -1.0], [1.5, 0.2], [-0.7, 0.9]]) + np.array([0.1, -0.3])
    np.testing.assert_allclose(out, z / (1 + np.exp(-z)), rtol=1e-5, atol=1e-6)
    keras = pytest.importorskip("keras")
    np.testing.assert_allclose(out, _swish_model(keras).predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert keraton.activations.serialize(keraton.activations.swish) == "silu"
