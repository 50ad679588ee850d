"""``keras.backend.experimental``: tf.keras 2's ``tf.random.Generator`` flag (kept, no effect)."""

import json
import os

import numpy as np
import pytest
import torch

import keraton as keras
from keraton.backend_functions import experimental

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                       "tf2_keras2_names.npz")


@pytest.fixture(autouse=True)
def _restore_flag():
    before = experimental.is_tf_random_generator_enabled()
    yield
    (experimental.enable_tf_random_generator if before else experimental.disable_tf_random_generator)()


def test_default_matches_tf_keras2():
    default = json.loads(str(np.load(FIXTURE)["configs"]))["tf_random_generator_default"]
    assert experimental.is_tf_random_generator_enabled() is default


@pytest.mark.parametrize("enable", [True, False])
def test_flag_toggles_and_draws_are_unchanged(enable):
    (experimental.enable_tf_random_generator if enable else experimental.disable_tf_random_generator)()
    assert experimental.is_tf_random_generator_enabled() is enable
    keras.utils.set_random_seed(4)
    a = keras.layers.Dropout(0.5)(torch.ones(8, 8), training=True)
    (experimental.disable_tf_random_generator if enable else experimental.enable_tf_random_generator)()
    keras.utils.set_random_seed(4)
    b = keras.layers.Dropout(0.5)(torch.ones(8, 8), training=True)
    torch.testing.assert_close(a, b)
