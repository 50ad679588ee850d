"""Dropout: statistics of the mask, scaling, noise_shape, seeds, inference mode."""

import json

import numpy as np
import pytest
import torch

from keraton import layers


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.8])
@pytest.mark.parametrize("seed", [None, 42], ids=["unseeded", "seeded"])
def test_fraction_zeroed_and_scaling(rate, seed):
    layer = layers.Dropout(rate, seed=seed)
    x = torch.ones(200, 500)
    y = layer(x, training=True)
    dropped = float((y == 0).float().mean())
    # 100k Bernoulli draws: the standard error is below 0.0016.
    assert dropped == pytest.approx(rate, abs=0.01)
    kept = y[y != 0]
    torch.testing.assert_close(kept, torch.full_like(kept, 1.0 / (1.0 - rate)))
    # The expectation is preserved.
    assert float(y.mean()) == pytest.approx(1.0, abs=0.03)


def test_scaling_of_arbitrary_values():
    layer = layers.Dropout(0.25, seed=0)
    x = torch.randn(50, 40)
    y = layer(x, training=True)
    kept = y != 0
    torch.testing.assert_close(y[kept], x[kept] / 0.75)


def test_gradient_is_the_mask_scaled():
    layer = layers.Dropout(0.5, seed=1)
    x = torch.randn(8, 16, requires_grad=True)
    y = layer(x, training=True)
    y.sum().backward()
    expected = (y.detach() != 0).float() * 2.0
    torch.testing.assert_close(x.grad, expected)


def test_noise_shape_broadcast():
    layer = layers.Dropout(0.5, noise_shape=(None, 1, 6), seed=3)
    x = torch.ones(10, 7, 6)
    y = layer(x, training=True)
    # The mask has shape (10, 1, 6): every row along axis 1 is identical.
    assert torch.equal(y, y[:, :1, :].expand_as(y))
    assert set(torch.unique(y).tolist()) == {0.0, 2.0}
    fraction = float((y[:, 0, :] == 0).float().mean())
    assert 0.2 < fraction < 0.8  # 60 Bernoulli(0.5) draws


def test_noise_shape_fixed_sizes():
    layer = layers.Dropout(0.5, noise_shape=(1, 5))
    y = layer(torch.ones(30, 5), training=True)
    assert torch.equal(y, y[:1].expand_as(y))  # one mask for the whole batch


def test_seed_reproducible():
    x = torch.ones(20, 30)
    a = layers.Dropout(0.5, seed=7)(x, training=True)
    b = layers.Dropout(0.5, seed=7)(x, training=True)
    c = layers.Dropout(0.5, seed=8)(x, training=True)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    # A seeded layer still draws a new mask on each call.
    layer = layers.Dropout(0.5, seed=7)
    first, second = layer(x, training=True), layer(x, training=True)
    assert torch.equal(first, a) and not torch.equal(first, second)


def test_unseeded_follows_torch_seed():
    x = torch.ones(10, 10)
    torch.manual_seed(3)
    a = layers.Dropout(0.5)(x, training=True)
    torch.manual_seed(3)
    b = layers.Dropout(0.5)(x, training=True)
    assert torch.equal(a, b)


def test_inference_is_identity():
    x = torch.randn(6, 4)
    layer = layers.Dropout(0.9)
    assert layer(x) is x
    assert torch.equal(layer(x, training=False), x)


@pytest.mark.parametrize("seed", [None, 5])
def test_rate_edges(seed):
    x = torch.randn(4, 5)
    torch.testing.assert_close(layers.Dropout(0.0, seed=seed)(x, training=True), x)
    out = layers.Dropout(1.0, seed=seed)(x, training=True)
    assert torch.equal(out, torch.zeros_like(x))


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_invalid_rate(rate):
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(rate)


def test_config():
    layer = layers.Dropout(0.3, noise_shape=(None, 1), seed=4)
    config = layer.get_config()
    assert (config["rate"], config["noise_shape"], config["seed"]) == (0.3, [None, 1], 4)
    clone = layers.Dropout.from_config(json.loads(json.dumps(config)))
    assert (clone.rate, clone.noise_shape, clone.seed) == (0.3, (None, 1), 4)
    x = torch.ones(6, 3)
    assert torch.equal(clone(x, training=True), layer(x, training=True))  # same seed


def test_config_matches_keras():
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    ours = layers.Dropout(0.3, noise_shape=(None, 1), seed=4).get_config()
    theirs = keras.layers.Dropout(0.3, noise_shape=(None, 1), seed=4).get_config()
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))


def test_keras_inference_identical():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    want = keras.ops.convert_to_numpy(keras.layers.Dropout(0.5)(x))
    np.testing.assert_array_equal(layers.Dropout(0.5)(torch.tensor(x)).numpy(), want)
