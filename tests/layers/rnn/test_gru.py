"""GRU / GRUCell (reset_after True and False) against real Keras 3, and fused kernel vs step loop."""

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


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("options", OPTIONS + [{"recurrent_activation": "hard_sigmoid"}])
def test_gru_matches_keras(options, reset_after):
    check_options(keras.layers.GRU, layers.GRU, {**options, "reset_after": reset_after})


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("layout,options", MASK_CASES)
def test_gru_masks_match_keras(layout, options, reset_after):
    check_mask(keras.layers.GRU, layers.GRU, layout, {**options, "reset_after": reset_after})


def test_gru_initial_state_matches_keras():
    check_initial_state(keras.layers.GRU, layers.GRU, n_states=1)


def test_gru_stateful_matches_keras():
    check_stateful(keras, keras.layers.GRU, layers.GRU)


@pytest.mark.parametrize("options,layout", [
    ({}, None), ({"return_sequences": True, "go_backwards": True}, None), ({"use_bias": False}, None),
    ({"return_sequences": True}, "right"), ({"return_state": True, "go_backwards": True}, "right"),
])
def test_gru_fused_matches_step_loop(options, layout):
    check_fused_matches_loop(layers.GRU, options, layout)


@pytest.mark.parametrize("reset_after,bias_shape", [(True, (2, 12)), (False, (12,))])
def test_gru_weight_layout(reset_after, bias_shape):
    layer = layers.GRU(4, reset_after=reset_after)
    layer(torch.zeros(2, 3, 12))  # input_dim == 3 * units: the layouts must not be confused
    assert tuple(layer.cell.kernel.shape) == (12, 12)
    weights = [np.random.default_rng(0).normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    assert [w.shape for w in weights] == [(12, 12), (4, 12), bias_shape]
    layer.set_weights(weights)
    for got, want in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(layer.cell.kernel.detach().numpy(), weights[0])
    # The fused kernel gets torch's gate order: its r rows are Keras's second column block.
    if reset_after:
        fused = layer.cell.fused_params()
        np.testing.assert_array_equal(fused[0].detach().numpy()[:4], weights[0][:, 4:8].T)
        np.testing.assert_array_equal(fused[0].detach().numpy()[4:8], weights[0][:, :4].T)
        np.testing.assert_array_equal(fused[2].detach().numpy()[4:8], weights[2][0, :4])


def test_gru_cell_in_rnn_matches_keras():
    x = np.random.default_rng(1).normal(size=(2, 4, 3)).astype("float32")
    compare(keras.layers.RNN(keras.layers.GRUCell(5, reset_after=False), return_state=True),
            layers.RNN(layers.GRUCell(5, reset_after=False), return_state=True), x)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_config_matches_keras(reset_after):
    kwargs = dict(units=3, reset_after=reset_after, go_backwards=True, bias_constraint="non_neg",
                  name="g")
    assert layers.GRU(**kwargs).get_config() == keras.layers.GRU(**kwargs).get_config()
    assert (layers.GRUCell(3, reset_after=reset_after, name="c").get_config()
            == keras.layers.GRUCell(3, reset_after=reset_after, name="c").get_config())


def test_constraints_apply_in_keras_layout():
    from keraton import constraints

    layer = layers.GRU(2, kernel_constraint=constraints.MaxNorm(1.0, axis=0))
    layer(torch.zeros(1, 2, 3))
    kernel = np.arange(18, dtype="float32").reshape(3, 6)
    layer.set_weights([kernel] + layer.get_weights()[1:])
    param = layer.cell.kernel
    with torch.no_grad():
        param.copy_(param._keras_constraint(param))
    # Keras's MaxNorm(axis=0) scales each column of the (input_dim, 3*units) kernel to norm <= 1.
    norms = np.linalg.norm(kernel, axis=0)
    np.testing.assert_allclose(layer.get_weights()[0], kernel / (norms + 1e-7), rtol=1e-5)


@pytest.mark.parametrize("dropout,recurrent_dropout", [(0.5, 0.0), (0.0, 0.5), (0.3, 0.3)])
def test_gru_dropout_in_training_only_and_seeded(dropout, recurrent_dropout):
    x = torch.ones(4, 6, 3)
    outputs = []
    for _ in range(2):
        layer = layers.GRU(5, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=11)
        layer(x)
        layer.set_weights([np.full(w.shape, 0.3, "float32") for w in layer.get_weights()])
        outputs.append(layer(x, training=True))
    reference = layers.GRU(5)
    reference(x)
    reference.set_weights(layer.get_weights())
    torch.testing.assert_close(outputs[0], outputs[1])
    torch.testing.assert_close(layer(x), reference(x))  # inference: no dropout
    assert not torch.allclose(outputs[0], reference(x))
