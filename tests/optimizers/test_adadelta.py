"""Tests of keraton.optimizers.adadelta against real Keras 3."""

import pytest

from keraton.optimizers import Adadelta


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 1.0},
    {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-4},
    {"learning_rate": 0.5, "weight_decay": 0.01, "clipvalue": 0.5},
])
def test_matches_keras(compare_with_keras, kwargs):
    compare_with_keras("Adadelta", kwargs)


def test_defaults_match_keras():
    opt = Adadelta()
    assert float(opt.learning_rate) == pytest.approx(0.001)
    assert (opt.rho, opt.epsilon) == (0.95, 1e-7)
