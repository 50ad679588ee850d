"""LSTM / LSTMCell against real Keras 3 with copied weights, and fused kernel vs step loop."""

import numpy as np
import pytest
import torch
from rnn_oracle import (
    MASK_CASES,
    OPTIONS,
    check_fused_matches_loop,
    check_initial_state,
    check_mask,
    check_options,
    check_stateful,
    compare,
)

from keraton import layers

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("options", OPTIONS + [{"recurrent_activation": "hard_sigmoid"},
                                               {"unit_forget_bias": False}])
def test_lstm_matches_keras(options):
    check_options(keras.layers.LSTM, layers.LSTM, options)


@pytest.mark.parametrize("layout,options", MASK_CASES)
def test_lstm_masks_match_keras(layout, options):
    check_mask(keras.layers.LSTM, layers.LSTM, layout, options)


def test_lstm_initial_state_matches_keras():
    check_initial_state(keras.layers.LSTM, layers.LSTM, n_states=2)


def test_lstm_stateful_matches_keras():
    check_stateful(keras, keras.layers.LSTM, layers.LSTM)


@pytest.mark.parametrize("options,layout", [
    ({}, None), ({"return_sequences": True}, None), ({"go_backwards": True, "return_state": True}, None),
    ({"use_bias": False}, None), ({"return_sequences": True}, "right"),
    ({"return_sequences": True, "go_backwards": True}, "right"),
    ({"return_sequences": True, "zero_output_for_mask": True}, "right"),
])
def test_lstm_fused_matches_step_loop(options, layout):
    check_fused_matches_loop(layers.LSTM, options, layout)


def test_lstm_weights_have_keras_shapes_and_torch_memory_order():
    layer = layers.LSTM(4)
    layer(torch.zeros(2, 3, 5))
    assert tuple(layer.cell.kernel.shape) == (5, 16)
    assert tuple(layer.cell.recurrent_kernel.shape) == (4, 16)
    # Their transposes, torch's (4 * units, n) weights, are contiguous views.
    assert all(w.is_contiguous() for w in layer.cell.fused_params()[:2])
    assert [w.shape for w in layer.get_weights()] == [(5, 16), (4, 16), (16,)]
    # unit_forget_bias: Keras initialises the forget-gate block of the bias to ones.
    np.testing.assert_array_equal(layer.get_weights()[2], np.r_[np.zeros(4), np.ones(4), np.zeros(8)])


def test_lstm_cell_matches_keras_in_rnn():
    x = np.random.default_rng(1).normal(size=(2, 4, 3)).astype("float32")
    compare(keras.layers.RNN(keras.layers.LSTMCell(5), return_sequences=True),
            layers.RNN(layers.LSTMCell(5), return_sequences=True), x)


def test_lstm_config_matches_keras():
    kwargs = dict(units=3, activation="relu", dropout=0.1, recurrent_dropout=0.2, seed=4,
                  return_sequences=True, kernel_regularizer="l2", unit_forget_bias=False, name="l")
    ours = layers.LSTM(**kwargs).get_config()
    assert ours == keras.layers.LSTM(**kwargs).get_config()
    assert layers.LSTMCell(3, name="c").get_config() == keras.layers.LSTMCell(3, name="c").get_config()


def test_lstm_dropout_in_training_changes_outputs_and_is_seeded():
    x = torch.ones(4, 6, 3)
    outputs = []
    for _ in range(2):
        layer = layers.LSTM(5, dropout=0.5, seed=3)
        layer(x)
        layer.set_weights([np.full(w.shape, 0.3, "float32") for w in layer.get_weights()])
        outputs.append(layer(x, training=True))
        inference = layer(x)
    torch.testing.assert_close(outputs[0], outputs[1])
    assert not torch.allclose(outputs[0], inference)


def test_lstm_refuses_wrong_rank():
    layer = layers.LSTM(3, name="my_lstm")
    with pytest.raises(ValueError, match="my_lstm.*ndim=3"):
        layer(torch.zeros(2, 3))
