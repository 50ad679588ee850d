"""BatchNormalization: training/inference numerics, moving statistics and fit against real Keras 3."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")


def _pair(shape, seed=0, **kwargs):
    """A keraton and a Keras BatchNormalization with the same random weights."""
    rng = np.random.default_rng(seed)
    ours, theirs = layers.BatchNormalization(**kwargs), keras.layers.BatchNormalization(**kwargs)
    x = rng.normal(size=shape).astype("float32")
    ours(torch.from_numpy(x))
    theirs(x)
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
    weights[-1] = np.abs(weights[-1]) + 0.5  # a variance is positive
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs


def _np(t):
    return keras.ops.convert_to_numpy(t)


@pytest.mark.parametrize("shape,kwargs", [
    ((6, 4), {}),
    ((5, 3, 4), {"momentum": 0.9}),
    ((2, 3, 4, 5), {"axis": 1, "epsilon": 1e-2}),
    ((3, 4, 5, 2), {"axis": -1, "center": False}),
    ((4, 6), {"scale": False, "momentum": 0.5}),
    ((3, 5, 2), {"axis": 1}),
])
def test_training_steps_and_inference_match_keras(shape, kwargs):
    ours, theirs = _pair(shape, **kwargs)
    rng = np.random.default_rng(1)
    for _ in range(4):
        x = (rng.normal(size=shape) * 3 + 1).astype("float32")
        np.testing.assert_allclose(ours(torch.from_numpy(x), training=True).detach().numpy(),
                                   _np(theirs(x, training=True)), rtol=1e-5, atol=1e-5)
        for got, want in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    x = rng.normal(size=shape).astype("float32")
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), _np(theirs(x)),
                               rtol=1e-5, atol=1e-5)


def test_moving_update_uses_biased_variance_by_hand():
    layer = layers.BatchNormalization(momentum=0.5)
    x = torch.tensor([[1.0], [3.0]])  # mean 2, biased variance 1 (unbiased would be 2)
    y = layer(x, training=True)
    torch.testing.assert_close(layer.moving_mean.detach(), torch.tensor([1.0]))
    torch.testing.assert_close(layer.moving_variance.detach(), torch.tensor([1.0]))
    torch.testing.assert_close(y.detach(), torch.tensor([[-1.0], [1.0]]) / np.sqrt(1.001))
    # Inference uses the moving statistics: (x - 1) / sqrt(1 + 1e-3).
    torch.testing.assert_close(layer(x), torch.tensor([[0.0], [2.0]]) / np.sqrt(1.001))


def test_frozen_layer_runs_in_inference_mode():
    ours, theirs = _pair((6, 3))
    ours.trainable = False
    theirs.trainable = False
    before = ours.get_weights()
    x = np.random.default_rng(2).normal(size=(6, 3)).astype("float32")
    np.testing.assert_allclose(ours(torch.from_numpy(x), training=True).numpy(),
                               _np(theirs(x, training=True)), rtol=1e-5, atol=1e-5)
    for got, want in zip(ours.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_masked_statistics_match_keras():
    ours, theirs = _pair((3, 5, 4))
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
    got = ours(torch.from_numpy(x), training=True, mask=torch.from_numpy(mask))
    want = theirs(x, training=True, mask=mask)
    np.testing.assert_allclose(got.detach().numpy(), _np(want), rtol=1e-5, atol=1e-5)
    for g, w in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_weights_order_and_trainability():
    layer = layers.BatchNormalization()
    layer(torch.zeros(2, 3))
    assert [w._keras_name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w._keras_name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert not layer.moving_mean.requires_grad and not layer.moving_variance.requires_grad


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1, "momentum": 0.9, "epsilon": 0.01, "center": False,
                                         "gamma_regularizer": "l2", "beta_constraint": "non_neg"}])
def test_config_matches_keras(kwargs):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    ours = layers.BatchNormalization(**kwargs)
    theirs = keras.layers.BatchNormalization(**kwargs)
    assert ours.get_config() == theirs.get_config()


def test_keras2_fused_argument_is_accepted():
    layer = layers.BatchNormalization(fused=True)
    assert "fused" not in layer.get_config()
    torch.testing.assert_close(layer(torch.ones(2, 3)), torch.ones(2, 3) / np.sqrt(1.001))


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="renorm"):
        layers.BatchNormalization(renorm=True)
    with pytest.raises(TypeError, match="axis"):
        layers.BatchNormalization(axis="x")
    layer = layers.BatchNormalization(axis=3, name="bn")
    with pytest.raises(ValueError, match="'bn'.*axis=3"):
        layer(torch.zeros(2, 3))


def _model(lib):
    return lib.Sequential([
        lib.Input(shape=(5,)),
        lib.layers.Dense(8, activation="relu"),
        lib.layers.BatchNormalization(momentum=0.8),
        lib.layers.Dense(1),
    ])


def test_fit_three_epochs_matches_keras_loss_history():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1)) + 0.3).astype("float32")
    theirs = _model(keras)
    ours = _model(keraton)
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    ours.compile(optimizer=keraton.optimizers.SGD(0.05), loss="mse")
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4, atol=1e-4)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-4)


def test_moving_statistics_survive_save_and_load(tmp_path):
    model = keraton.Sequential([keraton.Input(shape=(3,)), layers.BatchNormalization(momentum=0.5)])
    model.layers[0](torch.randn(16, 3) * 4 + 2, training=True)
    path = str(tmp_path / "bn.keras")
    model.save(path)
    loaded = keraton.saving.load_model(path)
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert float(np.abs(loaded.get_weights()[2]).sum()) > 0  # the moving mean moved
