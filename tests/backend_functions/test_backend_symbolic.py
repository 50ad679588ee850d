"""Backend functions on Keras tensors add Lambda layers to a functional model, as in tf.keras 2."""

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K


def test_backend_functions_build_a_functional_model():
    a, b = keraton.Input((3, 4)), keraton.Input((3, 4))
    outputs = K.concatenate([K.mean(a, axis=1), K.max(K.square(b), axis=1)], axis=-1)
    assert tuple(outputs.shape) == (None, 8)
    model = keraton.Model([a, b], outputs)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 3, 4)).astype("float32")
    np.testing.assert_allclose(model.predict([x, y], verbose=0),
                               np.concatenate([x.mean(1), (y ** 2).max(1)], -1), rtol=1e-6)
    assert [type(layer).__name__ for layer in model.layers].count("Lambda") == 4


def test_keyword_and_mixed_arguments():
    a = keraton.Input((2, 3))
    out = K.batch_dot(a, K.permute_dimensions(a, (0, 2, 1)), axes=(2, 1))
    assert tuple(out.shape) == (None, 2, 2)
    x = torch.arange(6.0).reshape(1, 2, 3)
    np.testing.assert_allclose(keraton.Model(a, out)(x).detach().numpy(),
                               (x @ x.transpose(1, 2)).numpy())
    clipped = K.clip(a, min_value=0.0, max_value=2.0)
    np.testing.assert_allclose(keraton.Model(a, clipped)(x).detach().numpy(),
                               x.clamp(0, 2).numpy())


def test_shape_functions_on_keras_tensors():
    a = keraton.Input((3, 4))
    assert tuple(K.shape(a)) == (None, 3, 4) and K.int_shape(a) == (None, 3, 4) and K.ndim(a) == 3


@pytest.mark.parametrize("name", ["mean", "sqrt", "softmax"])
def test_eager_calls_are_unchanged(name):
    x = torch.rand(2, 3)
    from keraton.backend_functions import nn_ops, tensor_ops

    plain = getattr(tensor_ops, name, None) or getattr(nn_ops, name)
    assert torch.equal(getattr(K, name)(x), plain(x))
