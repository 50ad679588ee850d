"""Tests of keraton.optimizers.adam against hand-computed steps and real Keras 3."""

import math

import numpy as np
import pytest
import torch

from keraton.optimizers import Adam


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.01, "amsgrad": True},
    {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3},
    {"learning_rate": 0.01, "weight_decay": 0.1, "global_clipnorm": 1.0},
    {"learning_rate": 0.01, "use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 2},
    {"learning_rate": 0.01, "gradient_accumulation_steps": 2},
    {"learning_rate": 0.01, "loss_scale_factor": 4.0, "clipnorm": 0.5},
])
@pytest.mark.parametrize("via", ["step", "apply_gradients"])
def test_matches_keras(compare_with_keras, kwargs, via):
    compare_with_keras("Adam", kwargs, via=via, steps=6)


def test_defaults_match_keras():
    opt = Adam()
    assert float(opt.learning_rate) == pytest.approx(0.001)
    assert (opt.beta_1, opt.beta_2, opt.epsilon, opt.amsgrad) == (0.9, 0.999, 1e-7, False)


def test_first_step_uses_keras_epsilon_placement():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = Adam(learning_rate=0.1, epsilon=0.5)
    opt.build([w])
    w.grad = torch.tensor([2.0])
    opt.step()
    m, v = 0.1 * 2.0, 0.001 * 4.0
    alpha = 0.1 * math.sqrt(1 - 0.999) / (1 - 0.9)
    expected = -alpha * m / (math.sqrt(v) + 0.5)
    np.testing.assert_allclose(w.detach().numpy(), [expected], rtol=1e-5)


def test_amsgrad_adds_velocity_hat_slots():
    params = [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(3))]
    plain, ams = Adam(), Adam(amsgrad=True)
    plain.build(params)
    ams.build(params)
    assert len(plain.variables) == 2 + 4
    assert len(ams.variables) == 2 + 6


def test_state_follows_parameter_dtype():
    w = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    opt = Adam()
    opt.build([w])
    assert all(t.dtype == torch.float64 and t.device == w.device for t in opt.variables[2:])


@pytest.mark.parametrize("kwargs", [{"beta_1": 1.5}, {"beta_2": -0.1}, {"epsilon": -1.0}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        Adam(**kwargs)
