"""``keras.constraints.RadialConstraint`` against tf.keras 2.15 (fixture from
``tests/fixtures/make_tf2_keras2_names_fixtures.py``)."""

import json
import os

import numpy as np
import pytest
import torch

from keraton.radial_constraint import RadialConstraint, radial_constraint

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "tf2_keras2_names.npz")
DATA = np.load(FIXTURE)


@pytest.mark.parametrize("size", [2, 3, 4, 5])
@pytest.mark.parametrize("as_tensor", [True, False])
def test_matches_tf_keras2(size, as_tensor):
    w = DATA[f"radial_{size}_w"]
    out = RadialConstraint()(torch.tensor(w) if as_tensor else w)
    np.testing.assert_array_equal(out.numpy(), DATA[f"radial_{size}"])


def test_alias_and_config():
    assert radial_constraint is RadialConstraint
    config = RadialConstraint().get_config()
    assert config == json.loads(str(DATA["configs"]))["radial_config"]
    assert isinstance(RadialConstraint.from_config(config), RadialConstraint)


def test_inside_conv2d():
    from keraton import layers
    conv = layers.Conv2D(2, 3, kernel_constraint=RadialConstraint())
    conv.build((None, 5, 5, 1))
    kernel = conv.get_weights()[0]
    projected = RadialConstraint()(torch.tensor(kernel)).numpy()
    assert np.all(projected[0, :] == projected[0, 0]) and np.all(projected[:, 2] == projected[0, 0])


@pytest.mark.parametrize("shape", [(3, 3, 2), (3, 4, 1, 1), (1, 1, 2, 2)])
def test_bad_shapes(shape):
    with pytest.raises(ValueError, match="RadialConstraint"):
        RadialConstraint()(torch.zeros(shape))
