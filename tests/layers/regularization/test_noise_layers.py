"""SpatialDropout, GaussianDropout, GaussianNoise, AlphaDropout and ActivityRegularization."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("cls,shape,data_format,channel_axis", [
    (layers.SpatialDropout1D, (40, 7, 50), None, 2),
    (layers.SpatialDropout2D, (40, 3, 4, 50), "channels_last", 3),
    (layers.SpatialDropout2D, (40, 50, 3, 4), "channels_first", 1),
    (layers.SpatialDropout3D, (40, 2, 3, 2, 50), "channels_last", 4),
    (layers.SpatialDropout3D, (40, 50, 2, 3, 2), "channels_first", 1),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, data_format, channel_axis):
    kwargs = {} if data_format is None else {"data_format": data_format}
    layer = cls(0.4, seed=3, **kwargs)
    x = torch.ones(shape)
    torch.testing.assert_close(layer(x), x)  # inference: identity
    y = layer(x, training=True)
    values = torch.unique(y)
    torch.testing.assert_close(values, torch.tensor([0.0, 1.0 / 0.6]))
    # Each (example, channel) is constant over the spatial axes.
    per_channel = y.movedim(channel_axis, 1).reshape(shape[0], shape[channel_axis], -1)
    assert torch.equal(per_channel, per_channel[..., :1].expand_as(per_channel))
    assert float((per_channel[..., 0] == 0).float().mean()) == pytest.approx(0.4, abs=0.05)


@pytest.mark.parametrize("cls,kwargs", [
    (layers.SpatialDropout1D, {"rate": 0.3, "seed": 1}),
    (layers.SpatialDropout2D, {"rate": 0.3, "data_format": "channels_first"}),
    (layers.SpatialDropout3D, {"rate": 0.2}),
])
def test_spatial_dropout_config_and_rank_check(cls, kwargs):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    ours = cls(**kwargs).get_config()
    theirs = getattr(keras.layers, cls.__name__)(**kwargs).get_config()
    # keraton adds trainable and writes the dtype as a policy, like every other layer.
    assert ours.pop("trainable") is True
    assert ours.pop("dtype")["config"]["name"] == theirs.pop("dtype")
    assert ours == theirs
    with pytest.raises(ValueError, match="ndim"):
        cls(**kwargs)(torch.zeros(2, 3))


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_gaussian_dropout_statistics(rate):
    layer = layers.GaussianDropout(rate, seed=0)
    x = torch.full((400, 500), 2.0)
    torch.testing.assert_close(layer(x), x)
    y = layer(x, training=True)
    noise = y / 2.0
    assert float(noise.mean()) == pytest.approx(1.0, abs=0.01)
    assert float(noise.std()) == pytest.approx(np.sqrt(rate / (1 - rate)), rel=0.01)


@pytest.mark.parametrize("stddev", [0.1, 0.7])
def test_gaussian_noise_statistics(stddev):
    layer = layers.GaussianNoise(stddev, seed=0)
    x = torch.full((400, 500), -1.0)
    torch.testing.assert_close(layer(x), x)
    noise = layer(x, training=True) - x
    assert float(noise.mean()) == pytest.approx(0.0, abs=0.01)
    assert float(noise.std()) == pytest.approx(stddev, rel=0.01)


@pytest.mark.parametrize("rate", [0.1, 0.3])
def test_alpha_dropout_keeps_mean_and_variance(rate):
    layer = layers.AlphaDropout(rate, seed=0)
    # Not the layer's seed: the same stream would correlate the mask with the inputs.
    x = torch.randn(400, 500, generator=torch.Generator().manual_seed(123))
    torch.testing.assert_close(layer(x), x)
    y = layer(x, training=True)
    assert float(y.mean()) == pytest.approx(0.0, abs=0.02)
    assert float(y.std()) == pytest.approx(1.0, abs=0.02)
    # Kept entries are a * x + b; dropped ones all equal a * alpha_p + b.
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    dropped = torch.isclose(y, torch.tensor(a * alpha_p + b))
    assert float(dropped.float().mean()) == pytest.approx(rate, abs=0.01)
    torch.testing.assert_close(y[~dropped], a * x[~dropped] + b)


def test_alpha_dropout_noise_shape():
    y = layers.AlphaDropout(0.5, noise_shape=(None, 1), seed=2)(torch.zeros(30, 6), training=True)
    assert torch.equal(y, y[:, :1].expand_as(y))


@pytest.mark.parametrize("cls,kwargs", [
    (layers.GaussianDropout, {"rate": 0.3, "seed": 4}),
    (layers.GaussianNoise, {"stddev": 0.2}),
    (layers.AlphaDropout, {"rate": 0.2, "noise_shape": [None, 1], "seed": 1}),
    (layers.ActivityRegularization, {"l1": 0.01, "l2": 0.5}),
])
def test_config_matches_keras(cls, kwargs):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    assert cls(**kwargs).get_config() == getattr(keras.layers, cls.__name__)(**kwargs).get_config()


@pytest.mark.parametrize("cls,kwargs,match", [
    (layers.GaussianDropout, {"rate": 1.5}, "rate"),
    (layers.GaussianNoise, {"stddev": -0.1}, "stddev"),
    (layers.AlphaDropout, {"rate": -1}, "rate"),
])
def test_bad_arguments(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_activity_regularization_loss_matches_keras():
    x = np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]], "float32")
    ours = layers.ActivityRegularization(l1=0.1, l2=0.01)
    theirs = keras.layers.ActivityRegularization(l1=0.1, l2=0.01)
    torch.testing.assert_close(ours(torch.from_numpy(x)), torch.from_numpy(x))
    theirs(x)
    # (0.1 * 7.5 + 0.01 * 15.25) / batch 2
    assert float(ours.losses[0]) == pytest.approx(0.45125, rel=1e-6)
    assert float(ours.losses[0]) == pytest.approx(float(theirs.losses[0]), rel=1e-6)


def test_activity_regularization_in_fit_loss():
    model = keraton.Sequential([keraton.Input(shape=(2,)), layers.ActivityRegularization(l2=1.0)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[1.0, 2.0], [3.0, 0.0]], "float32")
    loss = model.evaluate(x, x, verbose=0)
    assert loss == pytest.approx((1 + 4 + 9) / 2, rel=1e-6)  # mse is 0; the penalty remains
