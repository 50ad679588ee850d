"""GlobalMax/GlobalAveragePooling 1D/2D/3D against real Keras 3, including masks and keepdims."""

import itertools

import numpy as np
import pytest
import torch

from keraton import layers

keras = pytest.importorskip("keras")

SHAPES = {1: (2, 5, 3), 2: (2, 4, 5, 3), 3: (2, 3, 4, 5, 3)}
NAMES = ["GlobalMaxPooling", "GlobalAveragePooling"]


@pytest.mark.parametrize("name,rank,fmt,keepdims", list(itertools.product(
    NAMES, (1, 2, 3), ("channels_last", "channels_first"), (False, True))))
def test_against_keras(name, rank, fmt, keepdims):
    x = np.random.default_rng(1).normal(size=SHAPES[rank]).astype("float32")
    cls = f"{name}{rank}D"
    ours = getattr(layers, cls)(data_format=fmt, keepdims=keepdims, name="layer")
    theirs = getattr(keras.layers, cls)(data_format=fmt, keepdims=keepdims, name="layer")
    got = ours(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, np.asarray(theirs(x).cpu()), rtol=1e-5, atol=1e-5)
    assert got.shape == tuple(theirs.compute_output_shape(x.shape))
    assert tuple(ours.compute_output_shape(x.shape)) == got.shape
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("fmt,keepdims", list(itertools.product(
    ("channels_last", "channels_first"), (False, True))))
def test_average_1d_mask_against_keras(fmt, keepdims):
    x = np.random.default_rng(2).normal(size=(3, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]], dtype=bool)
    if fmt == "channels_first":
        x_in = np.swapaxes(x, 1, 2).copy()
    else:
        x_in = x
    ours = layers.GlobalAveragePooling1D(data_format=fmt, keepdims=keepdims)
    got = ours(torch.from_numpy(x_in), mask=torch.from_numpy(mask)).numpy()
    theirs = keras.layers.GlobalAveragePooling1D(data_format=fmt, keepdims=keepdims)
    want = np.asarray(theirs(x_in, mask=mask).cpu())
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # By hand: the first sample averages its first two steps only.
    np.testing.assert_allclose(got.reshape(3, 4)[0], x[0, :2].mean(0), rtol=1e-5)


def test_average_1d_mask_from_embedding_like_input_and_no_output_mask():
    x = torch.randn(2, 4, 3)
    x._keras_mask = torch.tensor([[True, False, False, False], [True, True, True, False]])
    y = layers.GlobalAveragePooling1D()(x)
    torch.testing.assert_close(y, torch.stack([x[0, 0], x[1, :3].mean(0)]))
    assert getattr(y, "_keras_mask", None) is None


def test_max_1d_ignores_mask_as_keras():
    x = np.random.default_rng(3).normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[1, 0, 0, 0], [1, 1, 0, 0]], dtype=bool)
    t = torch.from_numpy(x)
    t._keras_mask = torch.from_numpy(mask)
    got = layers.GlobalMaxPooling1D()(t).numpy()
    want = np.asarray(keras.layers.GlobalMaxPooling1D()(x).cpu())  # Keras refuses mask= here
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(got, x.max(1), rtol=1e-6)


@pytest.mark.parametrize("alias,name", [
    ("GlobalMaxPool1D", "GlobalMaxPooling1D"), ("GlobalMaxPool2D", "GlobalMaxPooling2D"),
    ("GlobalMaxPool3D", "GlobalMaxPooling3D"), ("GlobalAvgPool1D", "GlobalAveragePooling1D"),
    ("GlobalAvgPool2D", "GlobalAveragePooling2D"), ("GlobalAvgPool3D", "GlobalAveragePooling3D")])
def test_aliases(alias, name):
    assert getattr(layers, alias) is getattr(layers, name)


def test_wrong_rank_names_layer():
    with pytest.raises(ValueError, match="'gap'.*ndim=4"):
        layers.GlobalAveragePooling2D(name="gap")(torch.zeros(2, 3, 4))
