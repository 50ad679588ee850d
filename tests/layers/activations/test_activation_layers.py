"""ReLU, LeakyReLU, PReLU, ELU and Softmax layers against real Keras 3 and by hand."""

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")

X = np.linspace(-4.0, 4.0, 24, dtype="float32").reshape(2, 3, 4)


def _np(t):
    return keras.ops.convert_to_numpy(t)


@pytest.mark.parametrize("name,kwargs", [
    ("ReLU", {}),
    ("ReLU", {"max_value": 2.5}),
    ("ReLU", {"negative_slope": 0.1}),
    ("ReLU", {"threshold": 1.0, "negative_slope": 0.2, "max_value": 3.0}),
    ("ReLU", {"max_value": 6.0}),
    ("LeakyReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.05}),
    ("ELU", {}),
    ("ELU", {"alpha": 0.5}),
    ("Softmax", {}),
    ("Softmax", {"axis": 1}),
    ("Softmax", {"axis": [1, 2]}),
    ("Softmax", {"axis": (2,)}),
])
def test_matches_keras(name, kwargs):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    np.testing.assert_allclose(ours(torch.from_numpy(X)).numpy(), _np(theirs(X)), rtol=1e-5, atol=1e-6)
    want = theirs.get_config()
    if name == "ELU":  # Keras 3's ELU config omits alpha; keraton keeps it (documented)
        want["alpha"] = kwargs.get("alpha", 1.0)
    assert ours.get_config() == want


def test_relu_by_hand():
    x = torch.tensor([-2.0, 0.5, 1.5, 4.0])
    y = layers.ReLU(max_value=3.0, threshold=1.0, negative_slope=0.5)(x)
    torch.testing.assert_close(y, torch.tensor([-1.5, -0.25, 1.5, 3.0]))


@pytest.mark.parametrize("kwargs,match", [({"max_value": -1}, "max_value"),
                                          ({"negative_slope": -0.1}, "negative_slope"),
                                          ({"threshold": -1}, "threshold")])
def test_relu_rejects_negative_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.ReLU(**kwargs)


def test_leaky_relu_keras2_alpha():
    with pytest.warns(UserWarning, match="alpha"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    torch.testing.assert_close(layer(torch.tensor([-2.0, 2.0])), torch.tensor([-0.2, 2.0]))
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(-1.0)


@pytest.mark.parametrize("shape,kwargs", [
    ((2, 5), {}),
    ((2, 3, 4, 5), {"shared_axes": [1, 2]}),
    ((2, 3, 4), {"shared_axes": 1, "alpha_initializer": "ones", "alpha_regularizer": "l2"}),
])
def test_prelu_matches_keras(shape, kwargs):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    ours, theirs = layers.PReLU(**kwargs), keras.layers.PReLU(**kwargs)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    ours(torch.from_numpy(x))
    theirs(x)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    alpha = np.random.default_rng(1).normal(size=theirs.get_weights()[0].shape).astype("float32")
    ours.set_weights([alpha])
    theirs.set_weights([alpha])
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), _np(theirs(x)),
                               rtol=1e-5, atol=1e-6)
    assert ours.get_config() == theirs.get_config()


def test_prelu_bad_input_names_layer():
    layer = layers.PReLU(name="p")
    layer(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="'p'.*axis 1 of size 3"):
        layer(torch.zeros(2, 4))


@pytest.mark.parametrize("mask", [
    np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]], bool),
    np.array([[0.9, 0.1, 0.7, 0.0], [1, 1, 1, 1], [0, 0.6, 0, 0]], "float32"),
    np.array([1, 0, 1, 1], bool),
])
def test_softmax_mask_matches_keras(mask):
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")
    got = layers.Softmax()(torch.from_numpy(x), mask=torch.from_numpy(mask))
    want = _np(keras.layers.Softmax()(x, mask=mask))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-7)
    keep = np.broadcast_to(mask > 0.5, x.shape)
    assert np.all(got.numpy()[~keep] == 0.0)


def test_softmax_takes_mask_from_input_and_rejects_bad_mask():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    x._keras_mask = torch.tensor([[True, True, False]])
    y = layers.Softmax()(x)
    e = np.exp([1.0, 2.0])
    torch.testing.assert_close(y, torch.tensor([[e[0] / e.sum(), e[1] / e.sum(), 0.0]], dtype=torch.float32))
    with pytest.raises(ValueError, match="'sm'.*broadcastable"):
        layers.Softmax(name="sm")(torch.zeros(2, 3), mask=torch.ones(2, 4, dtype=torch.bool))
