"""Permute, RepeatVector, UpSampling1D/2D/3D, ZeroPadding1D/2D/3D, Cropping1D/2D/3D against Keras 3."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")

CASES = [
    ("Permute", dict(dims=(2, 1)), (2, 3, 4)),
    ("Permute", dict(dims=(3, 1, 2)), (2, 3, 4, 5)),
    ("RepeatVector", dict(n=3), (2, 4)),
    ("UpSampling1D", dict(), (2, 3, 4)),
    ("UpSampling1D", dict(size=3), (2, 3, 4)),
    ("UpSampling2D", dict(), (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=(2, 3), data_format="channels_first"), (2, 2, 3, 4)),
    ("UpSampling2D", dict(size=(3, 2), interpolation="bilinear"), (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=2, interpolation="bilinear", data_format="channels_first"),
     (2, 2, 3, 4)),
    ("UpSampling3D", dict(), (2, 2, 3, 2, 2)),
    ("UpSampling3D", dict(size=(1, 2, 3), data_format="channels_first"), (2, 2, 2, 3, 2)),
    ("ZeroPadding1D", dict(), (2, 3, 4)),
    ("ZeroPadding1D", dict(padding=(2, 1), data_format="channels_first"), (2, 3, 4)),
    ("ZeroPadding2D", dict(), (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=(2, 1)), (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=((1, 2), (0, 3)), data_format="channels_first"),
     (2, 2, 3, 4)),
    ("ZeroPadding3D", dict(), (2, 2, 3, 2, 2)),
    ("ZeroPadding3D", dict(padding=(1, 0, 2), data_format="channels_first"), (2, 2, 2, 3, 2)),
    ("ZeroPadding3D", dict(padding=((0, 1), (2, 0), (1, 1))), (2, 2, 3, 2, 2)),
    ("Cropping1D", dict(), (2, 5, 3)),
    ("Cropping1D", dict(cropping=(2, 0)), (2, 5, 3)),
    ("Cropping1D", dict(cropping=3), (2, 7, 3)),
    ("Cropping2D", dict(), (2, 5, 6, 3)),
    ("Cropping2D", dict(cropping=1), (2, 5, 6, 3)),
    ("Cropping2D", dict(cropping=((1, 2), (0, 3)), data_format="channels_first"), (2, 3, 5, 6)),
    ("Cropping3D", dict(), (2, 4, 5, 6, 2)),
    ("Cropping3D", dict(cropping=(0, 1, 2), data_format="channels_first"), (2, 2, 4, 5, 6)),
    ("Cropping3D", dict(cropping=((1, 0), (0, 2), (1, 1))), (2, 4, 5, 6, 2)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_against_keras(name, kwargs, shape):
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    ours = getattr(layers, name)(name="layer", **kwargs)
    theirs = getattr(keras.layers, name)(name="layer", **kwargs)
    got = ours(torch.from_numpy(x))
    want = np.asarray(theirs(torch.from_numpy(x)).cpu())
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    assert tuple(ours.compute_output_shape(shape)) == tuple(theirs.compute_output_shape(shape))
    unknown = (None,) + shape[1:]
    assert tuple(ours.compute_output_shape(unknown)) == tuple(theirs.compute_output_shape(unknown))
    assert ours.get_config() == theirs.get_config()
    clone = type(ours).from_config(json.loads(json.dumps(ours.get_config())))
    assert clone.get_config() == ours.get_config()
    ours_ser = json.loads(json.dumps(layers.serialize(ours)))
    theirs_ser = json.loads(json.dumps(keras.layers.serialize(theirs)))
    assert (ours_ser["class_name"], ours_ser["config"]) == (theirs_ser["class_name"],
                                                            theirs_ser["config"])


def test_by_hand():
    x = torch.arange(4.0).reshape(1, 2, 2, 1)
    up = layers.UpSampling2D(size=(1, 2))(x)[0, :, :, 0]
    torch.testing.assert_close(up, torch.tensor([[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0]]))
    pad = layers.ZeroPadding1D((1, 2))(torch.ones(1, 2, 1))[0, :, 0]
    torch.testing.assert_close(pad, torch.tensor([0.0, 1.0, 1.0, 0.0, 0.0]))
    crop = layers.Cropping2D(((1, 0), (0, 1)))(torch.arange(9.0).reshape(1, 3, 3, 1))[0, :, :, 0]
    torch.testing.assert_close(crop, torch.tensor([[3.0, 4.0], [6.0, 7.0]]))
    rep = layers.RepeatVector(2)(torch.tensor([[1.0, 2.0]]))
    torch.testing.assert_close(rep, torch.tensor([[[1.0, 2.0], [1.0, 2.0]]]))


def test_bilinear_channels_last_uses_no_layout_copy_of_input():
    x = torch.randn(2, 4, 5, 3)
    y = layers.UpSampling2D(interpolation="bilinear")(x)
    want = layers.UpSampling2D(interpolation="bilinear", data_format="channels_first")(
        x.permute(0, 3, 1, 2).contiguous()).permute(0, 2, 3, 1)
    torch.testing.assert_close(y, want)


@pytest.mark.parametrize("make,kind,fragment", [
    (lambda: layers.Permute((1, 3)), ValueError, "dims"),
    (lambda: layers.RepeatVector(2.0), TypeError, "n"),
    (lambda: layers.RepeatVector(0), ValueError, "n"),
    (lambda: layers.UpSampling1D((2,)), TypeError, "size"),
    (lambda: layers.UpSampling2D(interpolation="lanczos9"), ValueError, "interpolation"),
    (lambda: layers.UpSampling3D(size=(2, 2)), ValueError, "size"),
    (lambda: layers.ZeroPadding2D(((1, 2, 3), 1)), ValueError, "padding"),
    (lambda: layers.ZeroPadding3D((1, 2)), ValueError, "padding"),
    (lambda: layers.Cropping2D(-1), ValueError, "cropping"),
    (lambda: layers.Cropping1D((1, -1)), ValueError, "cropping"),
    (lambda: layers.ZeroPadding2D(data_format="nhwc"), ValueError, "data_format"),
])
def test_bad_arguments(make, kind, fragment):
    with pytest.raises(kind, match=fragment):
        make()


@pytest.mark.parametrize("layer,shape", [
    (lambda: layers.Cropping1D((2, 3), name="c"), (2, 5, 3)),
    (lambda: layers.Cropping2D(((1, 1), (3, 3)), name="c"), (2, 5, 6, 3)),
    (lambda: layers.Cropping3D(2, name="c"), (2, 4, 6, 6, 2)),
])
def test_cropping_too_much_names_layer(layer, shape):
    with pytest.raises(ValueError, match="'c'.*smaller"):
        layer()(torch.zeros(shape))
    with pytest.raises(ValueError, match="'c'.*smaller"):
        layer()(keraton.Input(shape=shape[1:]))


def test_wrong_rank_names_layer():
    with pytest.raises(ValueError, match="'up'.*ndim=4"):
        layers.UpSampling2D(name="up")(torch.zeros(2, 3, 4))
