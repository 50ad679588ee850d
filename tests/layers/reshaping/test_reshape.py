"""Reshape: target shapes with -1, shape inference, incompatible sizes; against Keras 3."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers


@pytest.mark.parametrize(
    "target,input_shape,output_shape",
    [
        ((3, 4), (2, 12), (2, 3, 4)),
        ((-1,), (2, 3, 4), (2, 12)),
        ((2, -1), (5, 3, 4), (5, 2, 6)),
        ((-1, 3), (5, 12), (5, 4, 3)),
        ((1, 2, -1, 1), (2, 6), (2, 1, 2, 3, 1)),
        ((12,), (4, 2, 2, 3), (4, 12)),
    ],
)
def test_shapes_and_values(target, input_shape, output_shape):
    x = torch.arange(float(np.prod(input_shape))).reshape(input_shape)
    layer = layers.Reshape(target)
    y = layer(x)
    assert tuple(y.shape) == output_shape
    torch.testing.assert_close(y.flatten(), x.flatten())  # row-major order kept
    assert layer.compute_output_shape(input_shape) == output_shape
    assert layer.compute_output_shape((None,) + input_shape[1:]) == (None,) + output_shape[1:]
    assert layer(keraton.Input(input_shape[1:])).shape == (None,) + output_shape[1:]


def test_unknown_dimension_leaves_minus_one_unknown():
    assert layers.Reshape((2, -1)).compute_output_shape((None, None, 4)) == (None, 2, None)
    assert layers.Reshape((2, 3)).compute_output_shape((None, None)) == (None, 2, 3)


@pytest.mark.parametrize(
    "target,input_shape",
    [((3, 4), (2, 10)), ((5, -1), (2, 12)), ((2, 2), (1, 3, 3))],
)
def test_incompatible_size_raises(target, input_shape):
    layer = layers.Reshape(target, name="rs")
    with pytest.raises(ValueError) as info:
        layer(torch.zeros(input_shape))
    message = str(info.value)
    assert "'rs'" in message
    assert str(tuple(input_shape)) in message
    assert str(tuple(target)) in message
    with pytest.raises(ValueError, match="'rs'"):
        layer.compute_output_shape((None,) + input_shape[1:])
    with pytest.raises(ValueError, match="'rs'"):
        layer(keraton.Input(input_shape[1:]))


@pytest.mark.parametrize("target", [(-1, -1), (0, 3), (-2, 3)])
def test_invalid_target_shape(target):
    with pytest.raises(ValueError, match="target_shape"):
        layers.Reshape(target)


def test_config_round_trip_and_keras_config():
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    layer = layers.Reshape((2, -1))
    config = json.loads(json.dumps(layer.get_config()))
    assert config["target_shape"] == [2, -1]
    assert layers.Reshape.from_config(config).target_shape == (2, -1)
    theirs = json.loads(json.dumps(keras.layers.Reshape((2, -1)).get_config()))
    assert config == theirs


@pytest.mark.parametrize("target,shape", [((2, -1), (3, 4, 3)), ((3, 2, 2), (2, 12))])
def test_matches_keras(target, shape):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    want = keras.ops.convert_to_numpy(keras.layers.Reshape(target)(x))
    np.testing.assert_array_equal(layers.Reshape(target)(torch.tensor(x)).numpy(), want)
