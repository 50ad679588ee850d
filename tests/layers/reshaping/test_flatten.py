"""Flatten: element order (channels_last and channels_first), shapes, config; against Keras 3."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import backend, layers


@pytest.fixture
def restore_data_format():
    previous = backend.image_data_format()
    yield
    backend.set_image_data_format(previous)


def test_channels_last_order():
    x = torch.arange(24.0).reshape(2, 3, 4)
    y = layers.Flatten()(x)
    assert tuple(y.shape) == (2, 12)
    torch.testing.assert_close(y, torch.arange(24.0).reshape(2, 12))


def test_channels_first_moves_channels_last():
    # (batch, channels=2, 3): element [c, i] lands at position i * 2 + c.
    x = torch.tensor([[[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]]])
    y = layers.Flatten(data_format="channels_first")(x)
    torch.testing.assert_close(y, torch.tensor([[1.0, 10.0, 2.0, 20.0, 3.0, 30.0]]))


def test_rank_two_and_one_inputs():
    x = torch.randn(5, 3)
    assert torch.equal(layers.Flatten()(x), x)
    assert torch.equal(layers.Flatten(data_format="channels_first")(x), x)
    assert tuple(layers.Flatten()(torch.randn(5)).shape) == (5, 1)


def test_default_data_format_follows_backend(restore_data_format):
    assert layers.Flatten().data_format == "channels_last"
    backend.set_image_data_format("channels_first")
    assert layers.Flatten().data_format == "channels_first"
    assert layers.Flatten(data_format="channels_last").data_format == "channels_last"


def test_invalid_data_format():
    with pytest.raises(ValueError, match="data_format"):
        layers.Flatten(data_format="channels_middle")


@pytest.mark.parametrize(
    "input_shape,expected",
    [((None, 3, 4), (None, 12)), ((2, 3, 4, 5), (2, 60)), ((None, None, 4), (None, None)),
     ((None, 7), (None, 7))],
)
def test_compute_output_shape(input_shape, expected):
    assert layers.Flatten().compute_output_shape(input_shape) == expected


def test_symbolic_unknown_dimension():
    out = layers.Flatten()(keraton.Input((None, 4)))
    assert out.shape == (None, None)


def test_config_round_trip():
    layer = layers.Flatten(data_format="channels_first", name="flat")
    config = json.loads(json.dumps(layer.get_config()))
    assert config["data_format"] == "channels_first" and config["name"] == "flat"
    clone = layers.Flatten.from_config(config)
    assert clone.data_format == "channels_first" and clone.get_config() == config


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 3, 4, 5), (3, 2, 2, 2, 2)])
def test_matches_keras(data_format, shape):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    want = keras.ops.convert_to_numpy(keras.layers.Flatten(data_format=data_format)(x))
    got = layers.Flatten(data_format=data_format)(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(got, want)
    keras.backend.clear_session()
    backend.clear_session()
    ours = layers.Flatten(data_format=data_format).get_config()
    theirs = keras.layers.Flatten(data_format=data_format).get_config()
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))
