"""Max/AveragePooling 1D/2D/3D against real Keras 3 and a NumPy reference of TF's 'same' padding."""

import itertools
import json

import numpy as np
import pytest
import torch

from keraton import layers

keras = pytest.importorskip("keras")

SHAPES = {1: (2, 7, 3), 2: (2, 7, 6, 3), 3: (2, 5, 6, 4, 2)}
CLASSES = {("max", 1): "MaxPooling1D", ("max", 2): "MaxPooling2D", ("max", 3): "MaxPooling3D",
           ("average", 1): "AveragePooling1D", ("average", 2): "AveragePooling2D",
           ("average", 3): "AveragePooling3D"}
ARGS = [
    dict(),
    dict(pool_size=3),
    dict(pool_size=2, strides=1),
    dict(pool_size=3, strides=2),
    dict(pool_size=2, padding="same"),
    dict(pool_size=3, strides=1, padding="same"),
    dict(pool_size=3, strides=2, padding="same"),
    dict(pool_size=2, strides=1, padding="same"),  # asymmetric: one cell after
    dict(pool_size=4, strides=3, padding="same"),
]
CASES = [(mode, rank, args, fmt) for (mode, rank), args, fmt in
         itertools.product(CLASSES, ARGS, ("channels_last", "channels_first"))]


def _reference(x, mode, pool, strides, padding, channels_last):
    """Pooling as TensorFlow defines it, written with NumPy loops."""
    x = np.asarray(x, dtype=np.float64)
    if channels_last:
        x = np.moveaxis(x, -1, 1)
    spatial = x.shape[2:]
    pads, outs = [], []
    for n, k, s in zip(spatial, pool, strides):
        if padding == "same":
            out = -(-n // s)
            total = max(0, (out - 1) * s + k - n)
            pads.append(total // 2)
        else:
            out = (n - k) // s + 1
            pads.append(0)
        outs.append(out)
    y = np.zeros(x.shape[:2] + tuple(outs))
    for idx in itertools.product(*[range(o) for o in outs]):
        sl = []
        for i, k, s, p, n in zip(idx, pool, strides, pads, spatial):
            start = i * s - p
            sl.append(slice(max(start, 0), min(start + k, n)))
        window = x[(slice(None), slice(None)) + tuple(sl)].reshape(x.shape[0], x.shape[1], -1)
        y[(slice(None), slice(None)) + idx] = window.max(-1) if mode == "max" else window.mean(-1)
    if channels_last:
        y = np.moveaxis(y, 1, -1)
    return y


def _asymmetric(shape, rank, layer):
    first = 1 if layer.data_format == "channels_last" else 2
    for n, k, s in zip(shape[first:first + rank], layer.pool_size, layer.strides):
        total = max(0, (-(-n // s) - 1) * s + k - n)
        if total % 2:
            return True
    return False


@pytest.mark.parametrize("mode,rank,args,fmt", CASES)
def test_against_keras_and_reference(mode, rank, args, fmt):
    shape = SHAPES[rank]
    if fmt == "channels_first":
        shape = (shape[0], shape[-1]) + shape[1:-1]
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    ours = getattr(layers, CLASSES[mode, rank])(data_format=fmt, name="layer", **args)
    got = ours(torch.from_numpy(x)).numpy()
    want = _reference(x, mode, ours.pool_size, ours.strides, ours.padding,
                      fmt == "channels_last")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # Keras 3 requires pool_size for average pooling; keraton keeps Keras 2's default of 2.
    keras_args = dict(args) if "pool_size" in args else dict(args, pool_size=ours.pool_size)
    theirs = getattr(keras.layers, CLASSES[mode, rank])(data_format=fmt, name="layer", **keras_args)
    assert got.shape == tuple(theirs.compute_output_shape(shape))
    assert ours.get_config() == theirs.get_config()
    # Keras's torch backend averages replicated edge cells when 'same' padding is
    # asymmetric; keraton keeps TensorFlow's rule (padded cells excluded).
    if mode == "max" or not _asymmetric(shape, rank, ours):
        np.testing.assert_allclose(got, np.asarray(theirs(x).cpu()), rtol=1e-5, atol=1e-5)


def test_asymmetric_average_excludes_padding_by_hand():
    # 1D, length 4, pool 2, stride 1, 'same': one padded cell after the end.
    x = torch.tensor([[[1.0], [2.0], [3.0], [5.0]]])
    y = layers.AveragePooling1D(pool_size=2, strides=1, padding="same")(x)
    torch.testing.assert_close(y[0, :, 0], torch.tensor([1.5, 2.5, 4.0, 5.0]))


def test_max_same_padding_never_picks_padding():
    x = -torch.ones(1, 3, 3, 1)
    y = layers.MaxPooling2D(pool_size=2, strides=1, padding="same")(x)
    torch.testing.assert_close(y, -torch.ones(1, 3, 3, 1))


def test_channels_last_output_is_nhwc_contiguous():
    x = torch.randn(2, 8, 8, 4)
    y = layers.MaxPooling2D()(x)
    assert y.is_contiguous()
    torch.testing.assert_close(y, x.reshape(2, 4, 2, 4, 2, 4).amax(dim=(2, 4)))


@pytest.mark.parametrize("name,alias", [("MaxPooling1D", "MaxPool1D"), ("MaxPooling2D", "MaxPool2D"),
                                        ("MaxPooling3D", "MaxPool3D"),
                                        ("AveragePooling1D", "AvgPool1D"),
                                        ("AveragePooling2D", "AvgPool2D"),
                                        ("AveragePooling3D", "AvgPool3D")])
def test_aliases(name, alias):
    assert getattr(layers, alias) is getattr(layers, name)


def test_config_round_trip_and_defaults():
    layer = layers.MaxPooling2D(pool_size=(3, 2), padding="same")
    assert layer.strides == (3, 2)
    clone = layers.MaxPooling2D.from_config(json.loads(json.dumps(layer.get_config())))
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("kwargs,fragment", [
    (dict(pool_size=(2, 2, 2)), "pool_size"),
    (dict(pool_size=0), "pool_size"),
    (dict(strides=(1,)), "strides"),
    (dict(padding="full"), "padding"),
    (dict(data_format="NHWC"), "data_format"),
])
def test_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        layers.MaxPooling2D(**kwargs)


def test_wrong_rank_names_layer():
    layer = layers.AveragePooling2D(name="pool")
    with pytest.raises(ValueError, match="'pool'.*ndim=4.*\\(2, 4, 3\\)"):
        layer(torch.zeros(2, 4, 3))


def test_symbolic_shape_with_unknown_spatial_dims():
    import keraton

    out = layers.MaxPooling2D(padding="same", strides=2)(keraton.Input(shape=(None, 7, 3)))
    assert out.shape == (None, None, 4, 3)


def test_input_smaller_than_pool_names_layer():
    layer = layers.MaxPooling2D(pool_size=3, name="pool")
    with pytest.raises(ValueError, match="'pool'.*too small.*\\(1, 2, 5, 3\\)"):
        layer(torch.zeros(1, 2, 5, 3))
    import keraton

    with pytest.raises(ValueError, match="'pool'.*too small"):
        layer(keraton.Input(shape=(2, 5, 3)))
