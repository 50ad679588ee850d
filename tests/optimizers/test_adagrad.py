"""Tests of keraton.optimizers.adagrad against hand-computed steps and real Keras 3."""

import math

import numpy as np
import pytest
import torch

from keraton.optimizers import Adagrad


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.1},
    {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-3},
    {"learning_rate": 0.1, "weight_decay": 0.1, "global_clipnorm": 1.0},
])
def test_matches_keras(compare_with_keras, kwargs):
    compare_with_keras("Adagrad", kwargs)


def test_first_step_from_initial_accumulator():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = Adagrad(learning_rate=0.1)
    opt.build([w])
    np.testing.assert_allclose(opt.variables[2].numpy(), [0.1])
    w.grad = torch.tensor([2.0])
    opt.step()
    expected = -0.1 * 2.0 / math.sqrt(0.1 + 4.0 + 1e-7)
    np.testing.assert_allclose(w.detach().numpy(), [expected], rtol=1e-6)


def test_defaults_and_bad_initial_value():
    opt = Adagrad()
    assert (opt.initial_accumulator_value, opt.epsilon) == (0.1, 1e-7)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        Adagrad(initial_accumulator_value=-1.0)
