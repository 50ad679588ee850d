"""Tests of keraton.optimizers.adamw against real Keras 3."""

import numpy as np
import pytest
import torch

from keraton.optimizers import Adam, AdamW


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.01, "weight_decay": 0.1},
    {"learning_rate": 0.01, "weight_decay": 0.05, "amsgrad": True, "clipvalue": 0.3},
])
def test_matches_keras(compare_with_keras, kwargs):
    compare_with_keras("AdamW", kwargs)


def test_default_weight_decay_and_none_refused():
    assert AdamW().weight_decay == pytest.approx(0.004)
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(weight_decay=None)


def test_equals_adam_with_weight_decay():
    torch.manual_seed(1)
    a = torch.nn.Parameter(torch.randn(4))
    b = torch.nn.Parameter(a.detach().clone())
    opt_a, opt_b = AdamW(learning_rate=0.1, weight_decay=0.2), Adam(learning_rate=0.1, weight_decay=0.2)
    opt_a.build([a])
    opt_b.build([b])
    for _ in range(3):
        g = torch.randn(4)
        a.grad, b.grad = g.clone(), g.clone()
        opt_a.step()
        opt_b.step()
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())


def test_config_has_weight_decay():
    config = AdamW(weight_decay=0.3).get_config()
    assert config["weight_decay"] == pytest.approx(0.3)
    assert AdamW.from_config(config).weight_decay == pytest.approx(0.3)
