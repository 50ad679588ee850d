"""EinsumDense: weight shapes, numerics and config against real Keras 3 with the same weights."""

import json

import numpy as np
import pytest
import torch

from keraton import layers

keras = pytest.importorskip("keras")

# (equation, output_shape, bias_axes, input shape, kernel shape, bias shape, output shape)
EQUATIONS = [
    ("ab,bc->ac", 4, "c", (3, 5), (5, 4), (4,), (3, 4)),
    ("ab,bc->ac", 4, None, (3, 5), (5, 4), None, (3, 4)),
    ("abc,cd->abd", (None, 6), "d", (2, 3, 5), (5, 6), (6,), (2, 3, 6)),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 4, 5), (5, 2, 3), (2, 3), (2, 4, 2, 3)),
    ("abc,cde->abde", (None, 2, 3), "e", (2, 4, 5), (5, 2, 3), (3,), (2, 4, 2, 3)),
    ("abc,cde->abde", (None, 2, 3), "d", (2, 4, 5), (5, 2, 3), (2, 1), (2, 4, 2, 3)),
    ("abcd,cde->abe", (None, 3), "e", (2, 4, 2, 5), (2, 5, 3), (3,), (2, 4, 3)),
    ("...b,bc->...c", 4, "c", (2, 3, 5), (5, 4), (4,), (2, 3, 4)),
    ("...b,bc->...c", 4, "c", (2, 5), (5, 4), (4,), (2, 4)),
    ("ab...,bc->ac...", 4, "c", (2, 5, 3), (5, 4), (4, 1), (2, 4, 3)),
    ("abc,cd->abd", (3, 6), "bd", (2, 3, 5), (5, 6), (3, 6), (2, 3, 6)),
]


def _random(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("equation,out,bias_axes,in_shape,k_shape,b_shape,out_shape", EQUATIONS)
def test_matches_keras(equation, out, bias_axes, in_shape, k_shape, b_shape, out_shape):
    ours = layers.EinsumDense(equation, output_shape=out, bias_axes=bias_axes, activation="tanh")
    theirs = keras.layers.EinsumDense(equation, output_shape=out, bias_axes=bias_axes,
                                      activation="tanh")
    x = _random(in_shape, 0)
    ours(torch.from_numpy(x))
    theirs(x)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert ours.get_weights()[0].shape == k_shape
    if b_shape is None:
        assert len(ours.weights) == 1 and ours.bias is None
    else:
        assert ours.get_weights()[1].shape == b_shape
    weights = [_random(w.shape, i + 1) for i, w in enumerate(ours.get_weights())]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    y = ours(torch.from_numpy(x))
    assert tuple(y.shape) == out_shape
    np.testing.assert_allclose(y.detach().numpy(), theirs(x).detach().cpu().numpy(),
                               rtol=1e-5, atol=1e-5)
    # Keras leaves output axes shared with the input unknown when output_shape has None there;
    # keraton fills them from the input (what the einsum gives).
    assert ours.compute_output_shape((None,) + in_shape[1:]) == (None,) + out_shape[1:]


def test_hand_computation():
    layer = layers.EinsumDense("ab,bc->ac", output_shape=2, bias_axes="c")
    layer(torch.zeros(1, 2))
    layer.set_weights([np.array([[1.0, 2.0], [3.0, -1.0]], "float32"), np.array([0.5, 0.0], "float32")])
    # [1*1 + 2*3 + .5, 1*2 + 2*-1 + 0]
    torch.testing.assert_close(layer(torch.tensor([[1.0, 2.0]])), torch.tensor([[7.5, 0.0]]))


@pytest.mark.parametrize("kwargs", [
    dict(equation="ab,bc->ac", output_shape=4, bias_axes="c"),
    dict(equation="abc,cde->abde", output_shape=(None, 2, 3), activation="relu",
         kernel_initializer="he_normal", bias_initializer="ones", bias_axes="de",
         kernel_regularizer="l2", bias_constraint="non_neg"),
])
def test_config_matches_keras(kwargs):
    keras.backend.clear_session()
    theirs = keras.layers.EinsumDense(**kwargs)
    ours = layers.EinsumDense(**kwargs)
    assert json.loads(json.dumps(ours.get_config())) == json.loads(json.dumps(theirs.get_config()))
    clone = layers.EinsumDense.from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()


def test_initializer_fans_follow_equation():
    # Kernel (30, 40, 50): fan_in 30, fan_out 40*50 (Keras passes the equation's axes to
    # VarianceScaling), so the glorot limit is sqrt(6 / 2030), not the conv-style fans.
    layer = layers.EinsumDense("ab,bcd->acd", output_shape=(40, 50))
    layer(torch.zeros(1, 30))
    limit = float(np.sqrt(6.0 / (30 + 2000)))
    assert float(layer.kernel.detach().abs().max()) <= limit
    assert float(layer.kernel.detach().abs().max()) > 0.9 * limit
    assert layer.kernel_initializer.input_axes is None  # the user's initializer is left as given


@pytest.mark.parametrize("equation,out,in_shape,fragment", [
    ("ab,bc", 4, (2, 3), "invalid einsum equation"),
    ("abc,cd->abd", (5, 4), (2, 3, 6), "shared dimension 'b'"),
    ("ab,bc->acd", 4, (2, 3), "dimension 'd'"),
    ("ab,bcz->ac", 4, (2, 3), "kernel dimension 'z'"),
])
def test_bad_equations_name_the_layer(equation, out, in_shape, fragment):
    layer = layers.EinsumDense(equation, output_shape=out, name="proj")
    with pytest.raises(ValueError, match=fragment) as info:
        layer(torch.zeros(in_shape))
    assert "'proj'" in str(info.value)


def test_bias_axis_not_in_output():
    layer = layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="x", name="proj")
    with pytest.raises(ValueError, match="'proj'.*bias dimension 'x'"):
        layer(torch.zeros(2, 3))


@pytest.mark.parametrize("equation,built_for,bad,fragment", [
    ("abc,cd->abd", (2, 3, 5), (2, 5), "ndim=3"),
    ("abc,cd->abd", (2, 3, 5), (2, 3, 6), "axis 2 of size 5"),
    ("...b,bc->...c", (2, 3, 5), (2, 3, 4), "axis -1 of size 5"),
])
def test_wrong_input_after_build(equation, built_for, bad, fragment):
    layer = layers.EinsumDense(equation, output_shape=4, name="proj") if equation.startswith(".") \
        else layers.EinsumDense(equation, output_shape=(None, 4), name="proj")
    layer(torch.zeros(built_for))
    with pytest.raises(ValueError, match=f"'proj'.*{fragment}"):
        layer(torch.zeros(bad))
