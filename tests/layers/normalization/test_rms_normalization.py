"""RMSNormalization against real Keras 3, NumPy, finite differences and .keras files."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")


def _copy_and_call(shape, kwargs, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=shape) * 2 + 0.5).astype("float32")
    ours, theirs = layers.RMSNormalization(**kwargs), keras.layers.RMSNormalization(**kwargs)
    ours(torch.from_numpy(x))
    theirs(x)
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return x, ours, theirs, weights


@pytest.mark.parametrize("shape,kwargs", [
    ((4, 6), {}),
    ((2, 3, 4), {"axis": -1, "epsilon": 0.5}),
    ((2, 3, 4), {"axis": [1, 2]}),
    ((2, 3, 4), {"axis": (-1, -2)}),
    ((2, 3, 4, 5), {"axis": [3, 2, 1], "epsilon": 1e-3}),
])
def test_matches_keras(shape, kwargs):
    x, ours, theirs, _ = _copy_and_call(shape, kwargs)
    want = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), want, rtol=1e-5,
                               atol=1e-6)
    assert [w.path.split("/")[-1] for w in theirs.weights] == [w._keras_name for w in ours.weights]
    assert ours.get_config() | {"name": None} == theirs.get_config() | {"name": None}


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_config_before_build_matches_keras(axis):
    ours, theirs = layers.RMSNormalization(axis=axis), keras.layers.RMSNormalization(axis=axis)
    assert ours.get_config() | {"name": None} == theirs.get_config() | {"name": None}
    clone = layers.deserialize(keras.layers.serialize(theirs))
    assert type(clone) is layers.RMSNormalization and clone.axis == axis


@pytest.mark.parametrize("shape,axis", [((2, 3, 4), 1), ((2, 3, 4, 5), [1, 3]), ((3, 4), -1)])
def test_against_numpy(shape, axis):
    # Non-trailing axes are normalized as asked (Keras's torch backend cannot do these).
    x = np.random.default_rng(3).normal(size=shape).astype("float32")
    layer = layers.RMSNormalization(axis=axis, epsilon=0.01)
    layer(torch.from_numpy(x))
    scale = np.random.default_rng(4).normal(size=layer.get_weights()[0].shape).astype("float32")
    layer.set_weights([scale])
    axes = tuple(axis) if isinstance(axis, list) else (axis,)
    bshape = [x.shape[i] if i % x.ndim in [a % x.ndim for a in axes] else 1 for i in range(x.ndim)]
    want = x / np.sqrt((x ** 2).mean(axis=axes, keepdims=True) + 0.01) * scale.reshape(bshape)
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach().numpy(), want, rtol=1e-5,
                               atol=1e-6)


def test_by_hand():
    y = layers.RMSNormalization(epsilon=0.0)(torch.tensor([[3.0, 4.0]]))
    rms = float(np.sqrt((9 + 16) / 2))
    torch.testing.assert_close(y.detach(), torch.tensor([[3 / rms, 4 / rms]]))


@pytest.mark.parametrize("axis", [-1, [1, 2], 1])
def test_gradients_match_finite_differences(axis):
    layer = layers.RMSNormalization(axis=axis, epsilon=0.1, dtype="float64")
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 4, dtype=torch.float64, generator=gen)
    layer(x)
    weight = torch.linspace(0.5, 1.5, 24, dtype=torch.float64).reshape(2, 3, 4)
    assert torch.autograd.gradcheck(layer, (x.clone().requires_grad_(True),))
    # The layer's gradient for ``scale`` equals the finite-difference one of the same loss.
    loss = (layer(x) * weight).sum()
    (grad,) = torch.autograd.grad(loss, [layer.scale])
    numeric = torch.zeros_like(grad)
    step = 1e-6
    with torch.no_grad():
        for i in range(grad.numel()):
            layer.scale.view(-1)[i] += step
            up = (layer(x) * weight).sum()
            layer.scale.view(-1)[i] -= 2 * step
            down = (layer(x) * weight).sum()
            layer.scale.view(-1)[i] += step
            numeric.view(-1)[i] = (up - down) / (2 * step)
    torch.testing.assert_close(grad, numeric, rtol=1e-6, atol=1e-8)


def test_errors_and_dtype():
    with pytest.raises(TypeError, match="axis"):
        layers.RMSNormalization(axis="last")
    with pytest.raises(ValueError, match="'rms'.*out of bounds"):
        layers.RMSNormalization(axis=3, name="rms")(torch.zeros(2, 3))
    layer = layers.RMSNormalization()
    y = layer(torch.randn(2, 3, dtype=torch.float64))
    assert y.dtype == torch.float64  # computed in at least float32, returned in the input dtype


def test_keras_file_both_ways(tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")
    theirs = keras.Sequential([keras.Input((3, 4)), keras.layers.RMSNormalization(axis=[1, 2])])
    theirs.set_weights([np.random.default_rng(1).normal(size=(3, 4)).astype("float32")])
    want = keras.ops.convert_to_numpy(theirs(x))
    path = str(tmp_path / "rms.keras")
    theirs.save(path)
    ours = keraton.saving.load_model(path)
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), want, rtol=1e-5,
                               atol=1e-6)
    back = str(tmp_path / "back.keras")
    ours.save(back)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.saving.load_model(back)(x)), want,
                               rtol=1e-5, atol=1e-6)
