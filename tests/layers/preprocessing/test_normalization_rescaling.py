"""Normalization (adapt, given statistics, invert) and Rescaling against real Keras 3."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
DATA = (RNG.normal(size=(40, 3, 4)) * [1.0, 5.0, 0.1, 2.0] + [0.0, 3.0, -1.0, 10.0]).astype("float32")


def _np(t):
    return keras.ops.convert_to_numpy(t)


@pytest.mark.parametrize("axis", [-1, (1, 2), None, 1])
@pytest.mark.parametrize("source", ["numpy", "tensor", "batches", "xy_generator"])
def test_adapt_matches_keras(axis, source):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    ours, theirs = layers.Normalization(axis=axis), keras.layers.Normalization(axis=axis)
    theirs.adapt(DATA)
    if source == "numpy":
        ours.adapt(DATA)
    elif source == "tensor":
        ours.adapt(torch.from_numpy(DATA))
    elif source == "batches":
        ours.adapt([DATA[:16], DATA[16:30], DATA[30:]])
    else:
        ours.adapt((DATA[i:i + 8], np.zeros(8)) for i in range(0, 40, 8))
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    x = RNG.normal(size=(5, 3, 4)).astype("float32")
    np.testing.assert_allclose(ours(torch.from_numpy(x)).numpy(), _np(theirs(x)), rtol=1e-5, atol=1e-5)
    assert ours.get_config() == theirs.get_config()


def test_keras_batches_merge_equals_whole_data():
    ours = layers.Normalization()
    ours.adapt(iter([DATA[:7], DATA[7:]]))
    flat = DATA.reshape(-1, 4).astype("float64")
    np.testing.assert_allclose(ours.get_weights()[0], flat.mean(0), rtol=1e-6)
    np.testing.assert_allclose(ours.get_weights()[1], flat.var(0), rtol=1e-6)


@pytest.mark.parametrize("kwargs", [
    {"mean": [1.0, 2.0, 3.0, 4.0], "variance": [1.0, 4.0, 0.25, 9.0]},
    {"mean": 2.0, "variance": 4.0},
    {"axis": (1, 2), "mean": [1.0, 2.0, 3.0, 4.0], "variance": [1.0, 4.0, 0.25, 9.0]},
    {"mean": [1.0, 2.0, 3.0, 4.0], "variance": [1.0, 4.0, 0.25, 0.0], "invert": True},
])
def test_given_statistics_match_keras(kwargs):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    ours, theirs = layers.Normalization(**kwargs), keras.layers.Normalization(**kwargs)
    np.testing.assert_allclose(ours(torch.from_numpy(DATA)).numpy(), _np(theirs(DATA)),
                               rtol=1e-5, atol=1e-5)
    assert ours.get_weights() == [] and ours.get_config() == theirs.get_config()


def test_invert_undoes_normalization_and_by_hand():
    norm = layers.Normalization(mean=[2.0], variance=[4.0])
    torch.testing.assert_close(norm(torch.tensor([[4.0], [0.0]])), torch.tensor([[1.0], [-1.0]]))
    inv = layers.Normalization(mean=[2.0], variance=[4.0], invert=True)
    torch.testing.assert_close(inv(torch.tensor([[1.0], [-1.0]])), torch.tensor([[4.0], [0.0]]))


@pytest.mark.parametrize("kwargs,match", [
    ({"mean": [1.0]}, "both"),
    ({"mean": [1.0, 2.0], "variance": [1.0]}, "same shape"),
    ({"mean": [[1.0]], "variance": [[1.0]]}, "rank"),
])
def test_bad_statistics(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Normalization(**kwargs)


def test_adapt_errors_name_the_layer():
    norm = layers.Normalization(name="norm")
    norm.adapt(np.zeros((4, 3), "float32"))
    with pytest.raises(ValueError, match="'norm'.*incompatible"):
        norm.adapt(np.zeros((4, 5), "float32"))
    with pytest.raises(ValueError, match="'norm'.*empty"):
        norm.adapt([])
    with pytest.raises(TypeError, match="'norm'"):
        norm.adapt(3.0)


@pytest.mark.parametrize("scale,offset", [(1 / 255.0, 0.0), (1 / 127.5, -1.0),
                                          (np.array([0.5, 2.0, 1.0], "float32"), 0.25)])
def test_rescaling_matches_keras(scale, offset):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    x = (np.arange(2 * 2 * 2 * 3) % 255).astype("uint8").reshape(2, 2, 2, 3)
    ours, theirs = layers.Rescaling(scale, offset), keras.layers.Rescaling(scale, offset)
    got = ours(torch.from_numpy(x))
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), _np(theirs(x)), rtol=1e-6, atol=1e-6)
    config = ours.get_config()
    assert config == theirs.get_config()
    clone = layers.Rescaling.from_config(config)
    torch.testing.assert_close(clone(torch.from_numpy(x)), got)


def test_adapted_normalization_survives_save_and_load(tmp_path):
    norm = layers.Normalization()
    norm.adapt(DATA.reshape(-1, 4))
    model = keraton.Sequential([keraton.Input(shape=(4,)), norm, layers.Rescaling(0.5)])
    path = str(tmp_path / "norm.keras")
    model.save(path)
    loaded = keraton.saving.load_model(path)
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    x = torch.from_numpy(DATA[:3, 0])
    torch.testing.assert_close(loaded(x), model(x))
