"""Ops and random draws on symbolic ``keraton.Input`` tensors (functional API)."""

import numpy as np
import torch

import keraton as keras


def test_ops_that_refuse_zero_inputs_still_infer_shapes():
    inputs = keras.Input((3, 3))
    inverse = keras.ops.inv(inputs)
    chol = keras.ops.cholesky(keras.ops.matmul(inputs, keras.ops.transpose(inputs, (0, 2, 1))))
    model = keras.Model(inputs, [inverse, chol])
    assert [tuple(t.shape) for t in model.outputs] == [(None, 3, 3), (None, 3, 3)]
    x = np.eye(3, dtype="float32")[None] * 2 + np.triu(np.ones((3, 3), "float32"))[None]
    got_inv, got_chol = model.predict(x, verbose=0)
    np.testing.assert_allclose(got_inv, np.linalg.inv(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_chol, np.linalg.cholesky(x @ x.transpose(0, 2, 1)),
                               rtol=1e-5, atol=1e-6)


def test_a_genuine_error_from_shape_inference_is_the_first_one():
    inputs = keras.Input((3,))
    try:
        keras.ops.matmul(inputs, torch.ones(4, 2))
    except RuntimeError as error:
        assert "shapes cannot be multiplied" in str(error)
    else:
        raise AssertionError("matmul of (None, 3) by (4, 2) should fail")


class _Noise(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, x):
        return x + keras.random.normal(keras.ops.shape(x), seed=self.seed_generator)


def test_shape_inference_does_not_use_up_seed_generator_draws():
    eager = _Noise()
    expected = eager(torch.zeros(2, 3)).numpy()
    layer = _Noise()
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_array_equal(model(torch.zeros(2, 3)).detach().numpy(), expected)
