"""Tests of keraton.optimizers.ftrl against a hand-computed step and real Keras 3."""

import math

import numpy as np
import pytest
import torch

from keraton.optimizers import Ftrl


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.1},
    {"learning_rate": 0.1, "learning_rate_power": 0.0, "initial_accumulator_value": 0.5},
    {"learning_rate": 0.1, "learning_rate_power": -0.3, "initial_accumulator_value": 0.0},
    {"learning_rate": 0.1, "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.2},
    {"learning_rate": 0.1, "l2_shrinkage_regularization_strength": 0.1, "beta": 0.5},
    {"learning_rate": 0.1, "weight_decay": 0.1, "global_clipnorm": 1.0},
    {"learning_rate": 0.1, "gradient_accumulation_steps": 2, "clipvalue": 0.5},
])
@pytest.mark.parametrize("via", ["step", "apply_gradients"])
def test_matches_keras(compare_with_keras, kwargs, via):
    compare_with_keras("Ftrl", kwargs, via=via, steps=6)


def test_first_step_by_hand():
    w = torch.nn.Parameter(torch.tensor([0.5, 0.5]))
    lr, l1, l2 = 0.1, 0.3, 0.2
    opt = Ftrl(learning_rate=lr, l1_regularization_strength=l1, l2_regularization_strength=l2)
    opt.build([w])
    w.grad = torch.tensor([2.0, 0.1])
    opt.step()
    expected = []
    for g in (2.0, 0.1):
        n = 0.1 + g * g
        z = g - (math.sqrt(n) - math.sqrt(0.1)) / lr * 0.5
        quadratic = math.sqrt(n) / lr + 2 * l2
        expected.append(0.0 if abs(z) <= l1 else (math.copysign(l1, z) - z) / quadratic)
    assert expected[1] == 0.0  # |z| <= l1: the L1 term zeroes this weight
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-5, atol=1e-7)


def test_defaults_and_bad_arguments():
    opt = Ftrl()
    assert (opt.learning_rate_power, opt.initial_accumulator_value, opt.beta) == (-0.5, 0.1, 0.0)
    assert (opt.l1_regularization_strength, opt.l2_regularization_strength,
            opt.l2_shrinkage_regularization_strength) == (0.0, 0.0, 0.0)
    for kwargs in ({"learning_rate_power": 0.5}, {"initial_accumulator_value": -1.0},
                   {"l1_regularization_strength": -1.0}, {"l2_regularization_strength": -1.0},
                   {"l2_shrinkage_regularization_strength": -1.0}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            Ftrl(**kwargs)


def test_config_round_trip_with_keras(keras):
    kwargs = {"learning_rate": 0.05, "learning_rate_power": -0.25, "initial_accumulator_value": 0.3,
              "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.03, "beta": 0.4}
    ours, theirs = Ftrl(**kwargs), keras.optimizers.Ftrl(**kwargs)
    assert list(ours.get_config()) == list(theirs.get_config())
    clone = Ftrl.from_config(theirs.get_config())
    for key, value in kwargs.items():
        assert float(getattr(clone, key) if key != "learning_rate" else clone.learning_rate) \
            == pytest.approx(value)
    assert Ftrl.from_config(ours.get_config()).get_config() == ours.get_config()
    back = keras.optimizers.Ftrl.from_config(ours.get_config())
    assert back.get_config()["beta"] == 0.4 and back.learning_rate_power == -0.25
