"""Tests of keraton.optimizers.adamax against real Keras 3."""

import pytest

from keraton.optimizers import Adamax


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.02},
    {"learning_rate": 0.02, "beta_1": 0.5, "beta_2": 0.8, "epsilon": 1e-3},
    {"learning_rate": 0.02, "weight_decay": 0.1, "clipnorm": 1.0},
])
def test_matches_keras(compare_with_keras, kwargs):
    compare_with_keras("Adamax", kwargs)


def test_defaults_match_keras():
    opt = Adamax()
    assert (opt.beta_1, opt.beta_2, opt.epsilon) == (0.9, 0.999, 1e-7)
