"""Tests of keraton.optimizers.lion against a hand-computed step and real Keras 3."""

import numpy as np
import pytest
import torch

from keraton.optimizers import Lion


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.02},
    {"learning_rate": 0.02, "beta_1": 0.5, "beta_2": 0.8},
    {"learning_rate": 0.02, "beta_1": 1.0},
    {"learning_rate": 0.01, "weight_decay": 0.3, "clipnorm": 1.0},
    {"learning_rate": 0.01, "use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 2},
    {"learning_rate": 0.01, "gradient_accumulation_steps": 2},
])
@pytest.mark.parametrize("via", ["step", "apply_gradients"])
def test_matches_keras(compare_with_keras, kwargs, via):
    compare_with_keras("Lion", kwargs, via=via, steps=6)


def test_first_steps_by_hand():
    w = torch.nn.Parameter(torch.tensor([1.0, 1.0]))
    opt = Lion(learning_rate=0.1, beta_1=0.9, beta_2=0.5)
    opt.build([w])
    w.grad = torch.tensor([2.0, -3.0])
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.9, 1.1], rtol=1e-6)
    np.testing.assert_allclose(opt.variables[2].numpy(), [1.0, -1.5], rtol=1e-6)
    # m = [1, -1.5]: 0.9*m + 0.1*g changes sign only where the gradient outweighs it.
    w.grad = torch.tensor([-20.0, -3.0])
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [1.0, 1.2], rtol=1e-6)


def test_defaults_and_bad_beta_1():
    opt = Lion()
    assert float(opt.learning_rate) == pytest.approx(0.001)
    assert (opt.beta_1, opt.beta_2) == (0.9, 0.99)
    for beta_1 in (0.0, 1.5):
        with pytest.raises(ValueError, match="beta_1"):
            Lion(beta_1=beta_1)


def test_config_round_trip_with_keras(keras):
    ours = Lion(learning_rate=0.02, beta_1=0.8, beta_2=0.95, weight_decay=0.1, name="lion_x")
    theirs = keras.optimizers.Lion(learning_rate=0.02, beta_1=0.8, beta_2=0.95, weight_decay=0.1)
    assert list(ours.get_config()) == list(theirs.get_config())
    clone = Lion.from_config(theirs.get_config())
    assert (clone.beta_1, clone.beta_2, clone.weight_decay) == (0.8, 0.95, 0.1)
    assert Lion.from_config(ours.get_config()).get_config() == ours.get_config()
    back = keras.optimizers.Lion.from_config(ours.get_config())
    assert (back.beta_1, back.beta_2) == (0.8, 0.95)
