"""Identity against real Keras 3: outputs, config, masks, symbolic calls and .keras files."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("shape", [(3,), (2, 5), (2, 3, 4), (1, 2, 3, 4)])
def test_identity_returns_its_input(shape):
    x = torch.randn(shape)
    y = layers.Identity()(x)
    assert y is x
    torch.testing.assert_close(torch.from_numpy(
        keras.ops.convert_to_numpy(keras.layers.Identity()(x.numpy()))), x)


def test_identity_passes_structures_and_masks():
    a, b = torch.randn(2, 3), torch.randn(2, 4)
    out = layers.Identity()([a, b])
    assert out[0] is a and out[1] is b
    x = torch.tensor([[[1.0], [0.0], [2.0]]])
    y = layers.Identity()(layers.Masking(0.0)(x))
    torch.testing.assert_close(y._keras_mask, torch.tensor([[True, False, True]]))


@pytest.mark.parametrize("kwargs", [{}, {"name": "skip", "trainable": False}, {"dtype": "float64"}])
def test_identity_config_matches_keras(kwargs):
    ours, theirs = layers.Identity(**kwargs), keras.layers.Identity(**kwargs)
    assert ours.built and theirs.built
    assert ours.get_config() | {"name": None} == theirs.get_config() | {"name": None}
    clone = layers.deserialize(keras.layers.serialize(theirs))
    assert type(clone) is layers.Identity


def test_identity_symbolic_and_keras_file_both_ways(tmp_path):
    inputs = keraton.Input((4,), dtype="float64")
    out = layers.Identity()(inputs)
    assert out is not inputs and out.shape == (None, 4) and out.dtype == "float64"
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Identity()])
    path = str(tmp_path / "identity.keras")
    theirs.save(path)
    ours = keraton.saving.load_model(path)
    assert isinstance(ours.layers[-1], layers.Identity)
    want = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), want, rtol=1e-6)
    back = str(tmp_path / "back.keras")
    ours.save(back)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.saving.load_model(back)(x)), want,
                               rtol=1e-6)
