"""Resizing and CenterCrop against real Keras 3 (torch backend) and by hand."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")


def _np(t):
    return keras.ops.convert_to_numpy(t)


IMAGES = np.random.default_rng(0).uniform(0, 255, size=(2, 7, 9, 3)).astype("float32")


@pytest.mark.parametrize("size", [(4, 5), (10, 13)])
@pytest.mark.parametrize("kwargs", [
    {},
    {"interpolation": "nearest"},
    {"interpolation": "bicubic"},
    {"crop_to_aspect_ratio": True},
    {"pad_to_aspect_ratio": True, "fill_value": 5.0},
    {"antialias": True},
])
def test_resizing_matches_keras(size, kwargs):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    ours, theirs = layers.Resizing(*size, **kwargs), keras.layers.Resizing(*size, **kwargs)
    got = ours(torch.from_numpy(IMAGES))
    np.testing.assert_allclose(got.numpy(), _np(theirs(IMAGES)), rtol=1e-5, atol=1e-4)
    assert tuple(got.shape) == ours.compute_output_shape(IMAGES.shape)
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("dtype", ["uint8", "float64"])
@pytest.mark.parametrize("data_format,shape", [("channels_last", (7, 9, 3)),
                                               ("channels_first", (2, 3, 7, 9))])
def test_resizing_dtypes_unbatched_and_channels_first(dtype, data_format, shape):
    x = np.random.default_rng(1).uniform(0, 255, size=shape).astype(dtype)
    ours = layers.Resizing(4, 6, data_format=data_format)
    theirs = keras.layers.Resizing(4, 6, data_format=data_format)
    got, want = ours(torch.from_numpy(x)), theirs(x)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got.numpy().astype("float64"), _np(want).astype("float64"),
                               rtol=1e-5, atol=1e-4)


def test_resizing_bilinear_by_hand():
    # Upsampling 1x2 -> 1x4 with half-pixel centers: samples at x = -0.25, 0.25, 0.75, 1.25.
    x = torch.tensor([[[[0.0], [4.0]]]])
    y = layers.Resizing(1, 4)(x)
    torch.testing.assert_close(y.flatten(), torch.tensor([0.0, 1.0, 3.0, 4.0]))


def test_resizing_bad_arguments_and_rank():
    with pytest.raises(ValueError, match="interpolation"):
        layers.Resizing(2, 2, interpolation="lanczos3")
    with pytest.raises(ValueError, match="fill_mode"):
        layers.Resizing(2, 2, fill_mode="reflect")
    with pytest.raises(ValueError, match="Only one|only one"):
        layers.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="'rs'.*min_ndim=3, max_ndim=4"):
        layers.Resizing(2, 2, name="rs")(torch.zeros(2, 3))


@pytest.mark.parametrize("size", [(3, 5), (7, 9), (4, 12), (10, 10)])
@pytest.mark.parametrize("data_format,shape", [("channels_last", (2, 7, 9, 3)),
                                               ("channels_last", (7, 9, 3)),
                                               ("channels_first", (2, 3, 7, 9))])
def test_center_crop_matches_keras(size, data_format, shape):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    x = np.random.default_rng(2).uniform(0, 255, size=shape).astype("uint8")
    ours = layers.CenterCrop(*size, data_format=data_format)
    theirs = keras.layers.CenterCrop(*size, data_format=data_format)
    got = ours(torch.from_numpy(x))
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), _np(theirs(x)), rtol=1e-5, atol=1e-4)
    assert tuple(got.shape) == ours.compute_output_shape(shape)
    assert ours.get_config() == theirs.get_config()


def test_center_crop_by_hand():
    x = torch.arange(20.0).reshape(1, 4, 5, 1)
    y = layers.CenterCrop(2, 3)(x)
    torch.testing.assert_close(y[0, :, :, 0], torch.tensor([[6.0, 7.0, 8.0], [11.0, 12.0, 13.0]]))
