"""Tests of keraton.optimizers.sgd against hand-computed steps and real Keras 3."""

import numpy as np
import pytest
import torch

from keraton.optimizers import SGD


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.1, "momentum": 0.9},
    {"learning_rate": 0.05, "momentum": 0.5, "nesterov": True},
    {"learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.01, "clipnorm": 1.0},
    {"learning_rate": 0.1, "global_clipnorm": 2.0},
    {"learning_rate": 0.1, "momentum": 0.3, "clipvalue": 0.5},
])
@pytest.mark.parametrize("via", ["step", "apply_gradients"])
def test_matches_keras(compare_with_keras, kwargs, via):
    compare_with_keras("SGD", kwargs, via=via)


def test_defaults_match_keras():
    opt = SGD()
    assert float(opt.learning_rate) == pytest.approx(0.01)
    assert opt.momentum == 0.0 and opt.nesterov is False


def test_plain_step_is_lr_times_grad():
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = SGD(learning_rate=0.5)
    opt.build([w])
    w.grad = torch.tensor([1.0, -2.0])
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.5, 3.0])
    assert opt.variables[2:] == []  # no momentum slots without momentum, as Keras


def test_momentum_accumulates_velocity():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = SGD(learning_rate=1.0, momentum=0.5)
    opt.build([w])
    for _ in range(3):
        w.grad = torch.ones(1)
        opt.step()
    # velocities: -1, -1.5, -1.75 -> w = -4.25
    np.testing.assert_allclose(w.detach().numpy(), [-4.25])


@pytest.mark.parametrize("momentum", [-0.1, 1.5, "0.9"])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match="momentum"):
        SGD(momentum=momentum)


def test_config_round_trip():
    opt = SGD(learning_rate=0.2, momentum=0.8, nesterov=True, clipvalue=1.0)
    clone = SGD.from_config(opt.get_config())
    assert clone.get_config() == opt.get_config()
