"""Tests of keraton.optimizers.rmsprop against hand-computed steps and real Keras 3."""

import math

import numpy as np
import pytest
import torch

from keraton.optimizers import RMSprop


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.01, "rho": 0.8},
    {"learning_rate": 0.01, "momentum": 0.9},
    {"learning_rate": 0.01, "centered": True},
    {"learning_rate": 0.01, "momentum": 0.5, "centered": True, "epsilon": 1e-3},
    {"learning_rate": 0.01, "weight_decay": 0.1, "clipnorm": 0.5},
])
def test_matches_keras(compare_with_keras, kwargs):
    compare_with_keras("RMSprop", kwargs)


def test_defaults_match_keras():
    opt = RMSprop()
    assert float(opt.learning_rate) == pytest.approx(0.001)
    assert (opt.rho, opt.momentum, opt.epsilon, opt.centered) == (0.9, 0.0, 1e-7, False)
    assert opt.name.startswith("rm_sprop")  # Keras's auto name


def test_first_step_epsilon_inside_sqrt():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = RMSprop(learning_rate=0.1, epsilon=0.5)
    opt.build([w])
    w.grad = torch.tensor([2.0])
    opt.step()
    expected = -0.1 * 2.0 / math.sqrt(0.1 * 4.0 + 0.5)
    np.testing.assert_allclose(w.detach().numpy(), [expected], rtol=1e-6)


def test_slots_only_when_used():
    w = [torch.nn.Parameter(torch.zeros(2))]
    for kwargs, count in [({}, 1), ({"momentum": 0.5}, 2), ({"momentum": 0.5, "centered": True}, 3)]:
        opt = RMSprop(**kwargs)
        opt.build(w)
        assert len(opt.variables) == 2 + count
