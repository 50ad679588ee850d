"""Keras 2's ``CuDNNLSTM``/``CuDNNGRU``: cuDNN weight layout, computed by torch's fused kernels.

Keras 2 converted their weights for ``LSTM``/``GRU`` by adding the two biases
(LSTM) or reshaping them to ``(2, 3*units)`` (GRU with ``reset_after=True``);
the layers must compute what those converted layers compute.
"""

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.rnn.cudnn_recurrent import CuDNNGRU, CuDNNLSTM

L = keraton.layers
UNITS, FEATURES = 3, 2
X = np.random.default_rng(0).standard_normal((4, 5, FEATURES)).astype("float32")


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.get_weights()])
    return layer.get_weights()


@pytest.mark.parametrize("options", [{}, {"return_sequences": True}, {"go_backwards": True},
                                     {"return_state": True}])
def test_cudnn_lstm_is_lstm_with_the_biases_added(options):
    cudnn = CuDNNLSTM(UNITS, **options)
    cudnn(X)
    kernel, recurrent, bias = _random_weights(cudnn)
    assert bias.shape == (8 * UNITS,)
    lstm = L.LSTM(UNITS, **options)
    lstm(X)
    lstm.set_weights([kernel, recurrent, bias[:4 * UNITS] + bias[4 * UNITS:]])
    got, expected = keraton.tree.flatten(cudnn(X)), keraton.tree.flatten(lstm(X))
    assert len(got) == len(expected) == (3 if options.get("return_state") else 1)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_cudnn_lstm_step_loop_matches_the_fused_kernel():
    layer = CuDNNLSTM(UNITS, return_sequences=True)
    layer(X)
    _random_weights(layer)
    fused = layer(X).detach()
    steps = []
    h = c = torch.zeros(4, UNITS)
    for t in range(5):
        h, (h, c) = layer.cell.call(torch.tensor(X[:, t]), [h, c])
        steps.append(h)
    np.testing.assert_allclose(torch.stack(steps, 1).detach().numpy(), fused.numpy(), rtol=1e-5,
                               atol=1e-6)


def test_cudnn_gru_is_reset_after_gru_with_the_bias_reshaped():
    cudnn = CuDNNGRU(UNITS, return_sequences=True)
    cudnn(X)
    kernel, recurrent, bias = _random_weights(cudnn)
    assert bias.shape == (6 * UNITS,)
    gru = L.GRU(UNITS, return_sequences=True, reset_after=True)
    gru(X)
    gru.set_weights([kernel, recurrent, bias.reshape(2, -1)])
    np.testing.assert_allclose(cudnn(X).detach().numpy(), gru(X).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_unit_forget_bias_initializes_the_recurrent_forget_block():
    layer = CuDNNLSTM(UNITS)
    layer(X)
    expected = np.zeros(8 * UNITS, "float32")
    expected[5 * UNITS:6 * UNITS] = 1.0
    np.testing.assert_array_equal(layer.get_weights()[2], expected)


@pytest.mark.parametrize("cls", [CuDNNLSTM, CuDNNGRU])
def test_config_is_keras_2s_and_models_round_trip(cls, tmp_path):
    layer = cls(UNITS, return_sequences=True, name="rec")
    config = layer.get_config()
    for key in ("activation", "recurrent_activation", "dropout", "unroll", "reset_after"):
        assert key not in config
    assert config["units"] == UNITS and config["return_sequences"] is True
    model = keraton.Sequential([keraton.Input((5, FEATURES)), layer, L.Dense(1)])
    _random_weights(model)
    expected = model.predict(X, verbose=0)
    for path in (tmp_path / "m.keras", tmp_path / "m.h5"):
        model.save(path)
        loaded = keraton.models.load_model(path)
        assert type(loaded.layers[0]) is cls
        np.testing.assert_allclose(loaded.predict(X, verbose=0), expected, rtol=1e-6)
