"""LayerNormalization, GroupNormalization and UnitNormalization against real Keras 3 and by hand."""

import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")


def _compare(name, shape, kwargs, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=shape) * 2 + 0.5).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that rms_scaling is deprecated
        theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(layers, name)(**kwargs)
    theirs(x)
    ours(torch.from_numpy(x))
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    want = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), want, rtol=1e-5, atol=1e-5)
    return ours, theirs


@pytest.mark.parametrize("shape,kwargs", [
    ((4, 6), {}),
    ((2, 3, 4), {"axis": [1, 2]}),
    ((2, 3, 4, 5), {"axis": [1, 3]}),
    ((3, 5), {"center": False}),
    ((3, 5), {"scale": False}),
    ((3, 5), {"rms_scaling": True}),
])
@pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")
def test_layer_normalization_matches_keras(shape, kwargs):
    ours, theirs = _compare("LayerNormalization", shape, kwargs)
    assert ours.get_config() | {"name": None} == theirs.get_config() | {"name": None}


def test_layer_normalization_by_hand():
    ln = layers.LayerNormalization(epsilon=0.0)
    y = ln(torch.tensor([[1.0, 2.0, 3.0, 6.0]]))  # mean 3, variance 3.5
    torch.testing.assert_close(y.detach(), (torch.tensor([[-2.0, -1.0, 0.0, 3.0]]) / np.sqrt(3.5)))


@pytest.mark.parametrize("axis", [1, [1], [1, 2], [2, 3]])
def test_layer_normalization_any_axes_against_numpy(axis):
    # Keras's torch backend sends a single non-trailing axis to F.layer_norm, which
    # normalizes the trailing axes instead (or fails); keraton normalizes the axes asked for.
    x = np.random.default_rng(4).normal(size=(2, 3, 4, 5)).astype("float32")
    ln = layers.LayerNormalization(axis=axis, epsilon=0.1)
    ln(torch.from_numpy(x))
    rng = np.random.default_rng(5)
    gamma_beta = [rng.normal(size=w.shape).astype("float32") for w in ln.get_weights()]
    ln.set_weights(gamma_beta)
    axes = tuple(axis) if isinstance(axis, list) else (axis,)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    shape = [x.shape[i] if i in axes else 1 for i in range(4)]
    want = (x - mean) / np.sqrt(var + 0.1) * gamma_beta[0].reshape(shape) + gamma_beta[1].reshape(shape)
    np.testing.assert_allclose(ln(torch.from_numpy(x)).detach().numpy(), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape,kwargs", [
    ((2, 5, 4), {"groups": 2}),
    ((2, 3, 3, 6), {"groups": 3}),
    ((2, 6, 3), {"groups": 3, "axis": 1, "epsilon": 0.1}),
    ((2, 4, 4), {"groups": -1}),
    ((2, 4, 8), {"groups": 1, "center": False}),
    ((3, 8), {"groups": 4, "scale": False}),
])
def test_group_normalization_matches_keras(shape, kwargs):
    ours, theirs = _compare("GroupNormalization", shape, kwargs)
    assert ours.get_config() | {"name": None} == theirs.get_config() | {"name": None}


def test_group_normalization_errors_name_the_layer():
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="'gn'.*multiple"):
        layers.GroupNormalization(groups=3, name="gn")(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="'gn2'.*cannot be more"):
        layers.GroupNormalization(groups=8, name="gn2")(torch.zeros(2, 4))


@pytest.mark.parametrize("shape,axis", [((3, 4), -1), ((2, 3, 4), [1, 2]), ((2, 3, 4), 1)])
def test_unit_normalization_matches_keras(shape, axis):
    ours, theirs = _compare("UnitNormalization", shape, {"axis": axis})
    keras.backend.clear_session()
    keraton.backend.clear_session()
    assert layers.UnitNormalization(axis=axis).get_config() == \
        keras.layers.UnitNormalization(axis=axis).get_config()


def test_unit_normalization_by_hand_and_zero():
    y = layers.UnitNormalization()(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    torch.testing.assert_close(y, torch.tensor([[0.6, 0.8], [0.0, 0.0]]))
    with pytest.raises(TypeError, match="axis"):
        layers.UnitNormalization(axis="last")
