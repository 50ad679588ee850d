"""``Normalization.mean`` / ``.variance``: Keras 3's broadcast-shaped statistics (keras.io ViT reads them)."""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def _both(fn):
    return fn(keraton), fn(keras)


def test_adapted_statistics_have_keras_broadcast_shape():
    data = np.random.RandomState(0).randint(0, 256, size=(6, 4, 4, 3)).astype("uint8")

    def stats(lib):
        layer = lib.layers.Normalization()
        before = layer.mean
        layer.adapt(data)
        return before, np.asarray(layer.mean), np.asarray(layer.variance)

    (k_before, k_mean, k_var), (r_before, r_mean, r_var) = _both(stats)
    assert k_before is None and r_before is None
    assert k_mean.shape == r_mean.shape == (1, 1, 1, 3)
    np.testing.assert_allclose(k_mean, r_mean, rtol=1e-6)
    np.testing.assert_allclose(k_var, r_var, rtol=1e-5)


@pytest.mark.parametrize("kwargs, shape", [
    ({"mean": [1.0, 2.0], "variance": [1.0, 4.0]}, (None, 3, 2)),
    ({"axis": None, "mean": 2.0, "variance": 9.0}, (None, 3)),
    ({}, (None, 3, 2)),
])
def test_given_or_initial_statistics_after_build(kwargs, shape):
    def stats(lib):
        layer = lib.layers.Normalization(**kwargs)
        layer.build(shape)
        return np.asarray(layer.mean), np.asarray(layer.variance)

    (k_mean, k_var), (r_mean, r_var) = _both(stats)
    assert k_mean.shape == r_mean.shape
    np.testing.assert_allclose(k_mean, r_mean)
    np.testing.assert_allclose(k_var, r_var)


def test_weights_keep_their_keras_names():
    layer = keraton.layers.Normalization()
    layer.adapt(np.arange(8.0).reshape(4, 2))
    assert [w.path.split("/")[-1] for w in layer.weights] == ["mean", "variance", "count"]
    np.testing.assert_allclose(layer.adapt_mean.numpy(), [3.0, 4.0])
