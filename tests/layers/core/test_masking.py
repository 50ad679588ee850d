"""Masking: mask and zeroed output against real Keras 3, and its effect on an LSTM."""

import numpy as np
import pytest
import torch

from keraton import layers

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_matches_keras(mask_value):
    x = np.random.default_rng(0).normal(size=(3, 5, 2)).astype("float32")
    x[0, 3:] = mask_value
    x[2, :2] = mask_value
    x[1, 1, 0] = mask_value  # only one feature equal: not masked
    k = keras.layers.Masking(mask_value=mask_value)
    out_k = k(x)
    out = layers.Masking(mask_value=mask_value)(torch.as_tensor(x))
    np.testing.assert_array_equal(out.detach().numpy(), keras.ops.convert_to_numpy(out_k))
    np.testing.assert_array_equal(out._keras_mask.numpy(), keras.ops.convert_to_numpy(out_k._keras_mask))
    assert out._keras_mask.tolist()[0] == [True, True, True, False, False]


def test_masking_then_lstm_matches_keras():
    x = np.random.default_rng(1).normal(size=(3, 6, 4)).astype("float32")
    x[0, 4:] = 0.0
    x[1, 1:3] = 0.0
    k = keras.Sequential([keras.Input((6, 4)), keras.layers.Masking(), keras.layers.LSTM(3)])
    ours = __import__("keraton").Sequential([layers.Input((6, 4)), layers.Masking(), layers.LSTM(3)])
    ours.set_weights(k.get_weights())
    np.testing.assert_allclose(ours(torch.as_tensor(x)).detach().numpy(), keras.ops.convert_to_numpy(k(x)), rtol=1e-5,
                               atol=1e-5)


def test_masking_config_matches_keras():
    keras.backend.clear_session()
    assert layers.Masking(mask_value=2.0).get_config() == keras.layers.Masking(mask_value=2.0).get_config()
