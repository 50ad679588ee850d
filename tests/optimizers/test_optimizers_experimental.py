"""``keras.optimizers.experimental`` (tf.keras 2.11-2.15's path to the new optimizers).

Three steps of each optimizer against tf.keras 2.15's
``tf.keras.optimizers.experimental`` classes, and their tf.keras 2 configs
loaded back; numbers from ``tests/fixtures/make_tf2_keras2_names_fixtures.py``.
"""

import json
import os

import numpy as np
import pytest
import torch

import keraton.optimizers
from keraton.optimizers import experimental

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_keras2_names.npz")
DATA = np.load(FIXTURE)
CONFIGS = json.loads(str(DATA["configs"]))


def test_names_are_keratons_classes():
    assert sorted(experimental.__all__) == CONFIGS["optimizers_experimental_names"]
    for name in experimental.__all__:
        assert getattr(experimental, name) is getattr(keraton.optimizers, name)


@pytest.mark.parametrize("name", CONFIGS["optimizers"])
def test_three_steps_match_tf_keras2(name):
    opt = getattr(experimental, name)(learning_rate=0.1)
    var = torch.nn.Parameter(torch.tensor(DATA["opt_w0"]))
    for g in DATA["opt_grads"]:
        opt.apply_gradients([(torch.tensor(g), var)])
    np.testing.assert_allclose(var.detach().numpy(), DATA[f"opt_{name}"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", CONFIGS["optimizers"])
def test_tf_keras2_config_loads(name):
    config = CONFIGS[f"opt_{name}_config"]
    opt = getattr(experimental, name).from_config(dict(config))
    mine = opt.get_config()
    for key, value in config.items():
        if key in mine and key not in ("name",):
            if isinstance(value, float):
                assert mine[key] == pytest.approx(value, rel=1e-6), key
            else:
                assert mine[key] == value, key
