"""SimpleRNN / SimpleRNNCell against real Keras 3 with copied weights."""

import numpy as np
import pytest
import torch
from rnn_oracle import (
    MASK_CASES,
    OPTIONS,
    check_initial_state,
    check_mask,
    check_options,
    check_stateful,
)

from keraton import layers

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("options", OPTIONS)
def test_simple_rnn_matches_keras(options):
    check_options(keras.layers.SimpleRNN, layers.SimpleRNN, options)


@pytest.mark.parametrize("layout,options", MASK_CASES[:6])
def test_simple_rnn_masks_match_keras(layout, options):
    check_mask(keras.layers.SimpleRNN, layers.SimpleRNN, layout, options)


def test_simple_rnn_initial_state_matches_keras():
    check_initial_state(keras.layers.SimpleRNN, layers.SimpleRNN, n_states=1)


def test_simple_rnn_stateful_matches_keras():
    check_stateful(keras, keras.layers.SimpleRNN, layers.SimpleRNN)


def test_simple_rnn_hand_computation():
    layer = layers.SimpleRNN(1, activation=None, return_sequences=True)
    layer(torch.zeros(1, 3, 1))
    layer.set_weights([np.array([[2.0]], "float32"), np.array([[0.5]], "float32"),
                       np.array([1.0], "float32")])
    # h1 = 2*1 + 1 = 3; h2 = 2*2 + 1 + 0.5*3 = 6.5; h3 = 2*0 + 1 + 0.5*6.5 = 4.25
    out = layer(torch.tensor([[[1.0], [2.0], [0.0]]]))
    torch.testing.assert_close(out, torch.tensor([[[3.0], [6.5], [4.25]]]))


def test_simple_rnn_config_matches_keras():
    kwargs = dict(units=3, activation="relu", return_state=True, dropout=0.2, name="s")
    assert layers.SimpleRNN(**kwargs).get_config() == keras.layers.SimpleRNN(**kwargs).get_config()
    assert (layers.SimpleRNNCell(3, name="c").get_config()
            == keras.layers.SimpleRNNCell(3, name="c").get_config())
