"""Tests of keraton.optimizers.lamb against hand-computed steps and real Keras 3."""

import numpy as np
import pytest
import torch

from keraton.optimizers import Lamb


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.05},
    {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.8, "epsilon": 1e-3},
    {"learning_rate": 0.05, "weight_decay": 0.1, "clipnorm": 1.0},
    {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 2},
    {"learning_rate": 0.05, "gradient_accumulation_steps": 3, "loss_scale_factor": 4.0},
])
@pytest.mark.parametrize("via", ["step", "apply_gradients"])
def test_matches_keras(compare_with_keras, kwargs, via):
    compare_with_keras("Lamb", kwargs, via=via, steps=6)


def test_trust_ratio_by_hand():
    """Step 1: u = g / (|g| + eps), scaled by ||w|| / ||u||; a zero weight uses ratio 1."""
    w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    zero = torch.nn.Parameter(torch.zeros(2))
    opt = Lamb(learning_rate=0.1, epsilon=1e-7)
    opt.build([w, zero])
    w.grad, zero.grad = torch.tensor([2.0, -0.5]), torch.tensor([1.0, -1.0])
    opt.step()
    u = np.array([2.0, -0.5]) / (np.abs([2.0, -0.5]) + 1e-7)
    expected = np.array([3.0, 4.0]) - 0.1 * (5.0 / np.linalg.norm(u)) * u
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(zero.detach().numpy(), [-0.1, 0.1], rtol=1e-5)


def test_defaults_and_bad_arguments():
    opt = Lamb()
    assert (opt.beta_1, opt.beta_2, opt.epsilon) == (0.9, 0.999, 1e-7)
    for kwargs in ({"beta_1": 1.5}, {"beta_2": -0.1}, {"epsilon": -1.0}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            Lamb(**kwargs)


def test_config_round_trip_with_keras(keras):
    kwargs = {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-4,
              "weight_decay": 0.01}
    ours, theirs = Lamb(**kwargs), keras.optimizers.Lamb(**kwargs)
    assert list(ours.get_config()) == list(theirs.get_config())
    clone = Lamb.from_config(theirs.get_config())
    assert (clone.beta_1, clone.beta_2, clone.epsilon) == (0.8, 0.95, 1e-4)
    assert clone.weight_decay == 0.01
    assert Lamb.from_config(ours.get_config()).get_config() == ours.get_config()
    back = keras.optimizers.Lamb.from_config(ours.get_config())
    assert (back.beta_1, back.beta_2, back.epsilon) == (0.8, 0.95, 1e-4)
