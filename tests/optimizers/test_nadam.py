"""Tests of keraton.optimizers.nadam against real Keras 3, including its ``u_product`` state."""

import numpy as np
import pytest
import torch

from keraton.optimizers import Nadam


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.02},
    {"learning_rate": 0.02, "beta_1": 0.5, "beta_2": 0.8, "epsilon": 1e-3},
    {"learning_rate": 0.02, "weight_decay": 0.1, "global_clipnorm": 0.5},
    {"learning_rate": 0.02, "gradient_accumulation_steps": 3},
])
def test_matches_keras(compare_with_keras, kwargs):
    compare_with_keras("Nadam", kwargs, steps=6)


def test_u_product_survives_save_and_load():
    torch.manual_seed(2)
    w = torch.nn.Parameter(torch.randn(3))
    opt = Nadam(learning_rate=0.1)
    opt.build([w])
    for _ in range(3):
        w.grad = torch.randn(3)
        opt.step()
    store = {}
    opt.save_own_variables(store)
    w2 = torch.nn.Parameter(w.detach().clone())
    opt2 = Nadam(learning_rate=0.1)
    opt2.build([w2])
    opt2.load_own_variables(store)
    assert opt2._u_product_value == pytest.approx(opt._u_product_value)
    g = torch.randn(3)
    w.grad, w2.grad = g.clone(), g.clone()
    opt.step()
    opt2.step()
    np.testing.assert_allclose(w.detach().numpy(), w2.detach().numpy())
