"""stateless_call against Keras 3: outputs, new non-trainable values, losses, gradients, no side effect."""

import numpy as np
import pytest
import torch

import keraton
from keraton.layers.stateless import stateless_call


def _weights_of(model):
    return [w.detach().clone() for w in model.weights]


def _assert_unchanged(model, before):
    for w, b in zip(model.weights, before):
        torch.testing.assert_close(w.detach(), b, rtol=0, atol=0)


def test_dense_matches_keras_with_losses():
    keras = pytest.importorskip("keras")
    k_dense = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L2(0.1))
    k_dense.build((None, 4))
    dense = keraton.layers.Dense(3, kernel_regularizer=keraton.regularizers.L2(0.1))
    dense.build((None, 4))
    dense.set_weights(k_dense.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    k_values = [v.value * 0.5 + 1.0 for v in k_dense.trainable_variables]
    k_out, k_nt, k_losses = k_dense.stateless_call(k_values, [], x, return_losses=True)
    before = _weights_of(dense)
    values = [v.detach() * 0.5 + 1.0 for v in dense.trainable_variables]
    out, nt, losses = stateless_call(dense, values, [], x, return_losses=True)
    np.testing.assert_allclose(out.detach().numpy(), k_out.detach().cpu().numpy(), rtol=1e-5)
    assert nt == [] and list(k_nt) == []
    np.testing.assert_allclose([float(v.detach()) for v in losses],
                               [float(v.detach()) for v in k_losses], rtol=1e-5)
    _assert_unchanged(dense, before)


def test_batch_norm_model_in_training_matches_keras():
    keras = pytest.importorskip("keras")
    k_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                                keras.layers.BatchNormalization(momentum=0.8)])
    model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(3),
                                keraton.layers.BatchNormalization(momentum=0.8)])
    model.set_weights(k_model.get_weights())
    x = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    k_trainable = [v.value * 2.0 for v in k_model.trainable_variables]
    k_non_trainable = [v.value + 0.5 for v in k_model.non_trainable_variables]
    k_out, k_new = k_model.stateless_call(k_trainable, k_non_trainable, x, training=True)
    before = _weights_of(model)
    trainable = [v.detach() * 2.0 for v in model.trainable_variables]
    non_trainable = [v.detach() + 0.5 for v in model.non_trainable_variables]
    out, new = stateless_call(model, trainable, non_trainable, x, training=True)
    np.testing.assert_allclose(out.detach().numpy(), k_out.detach().cpu().numpy(), rtol=1e-5,
                               atol=1e-6)
    assert len(new) == len(k_new) == 2
    for mine, theirs in zip(new, k_new):
        np.testing.assert_allclose(mine.numpy(), theirs.detach().cpu().numpy(), rtol=1e-5)
    _assert_unchanged(model, before)
    # inference: the given moving statistics are used and returned as they were
    out, new = stateless_call(model, trainable, non_trainable, x)
    k_out, _ = k_model.stateless_call(k_trainable, k_non_trainable, x)
    np.testing.assert_allclose(out.detach().numpy(), k_out.detach().cpu().numpy(), rtol=1e-5,
                               atol=1e-6)
    torch.testing.assert_close(new[0], non_trainable[0])


def test_gradients_reach_the_given_values():
    dense = keraton.layers.Dense(2)
    dense.build((None, 3))
    kernel = torch.ones(3, 2, requires_grad=True)
    bias = torch.zeros(2, requires_grad=True)
    x = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
    out, _ = stateless_call(dense, [kernel, bias], [], x)
    (out * torch.tensor([1.0, 2.0])).sum().backward()
    torch.testing.assert_close(kernel.grad, x.sum(0)[:, None] * torch.tensor([[1.0, 2.0]]))
    torch.testing.assert_close(bias.grad, torch.tensor([2.0, 4.0]))
    assert dense.kernel.grad is None


def test_passing_the_layer_variables_reproduces_a_call():
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.BatchNormalization()])
    x = torch.randn(4, 3)
    out, new = stateless_call(model, model.trainable_variables, model.non_trainable_variables, x,
                              training=True)
    torch.testing.assert_close(model.non_trainable_variables[0].detach(), torch.zeros(3))
    torch.testing.assert_close(new[0], 0.01 * x.mean(0))
    torch.testing.assert_close(out, model(x, training=True))


def test_errors():
    dense = keraton.layers.Dense(2)
    with pytest.raises(ValueError, match="must be built"):
        stateless_call(dense, [], [], torch.ones(1, 3))
    dense.build((None, 3))
    with pytest.raises(ValueError, match="corresponding 1:1.*length 1, but expected 2"):
        stateless_call(dense, [torch.zeros(3, 2)], [], torch.ones(1, 3))
    with pytest.raises(ValueError, match="non_trainable_variables"):
        stateless_call(dense, [torch.zeros(3, 2), torch.zeros(2)], [torch.zeros(2)],
                       torch.ones(1, 3))
    with pytest.raises(ValueError, match="shape"):
        stateless_call(dense, [torch.zeros(4, 2), torch.zeros(2)], [], torch.ones(1, 3))
