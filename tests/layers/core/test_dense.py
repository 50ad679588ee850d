"""Dense: numerics by hand and against real Keras 3 with the same weights."""

import numpy as np
import pytest
import torch

from keraton import activations, constraints, initializers, layers

ACTIVATIONS = [
    None, "linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign",
    "swish", "silu", "gelu", "exponential", "hard_sigmoid", "relu6", "leaky_relu", "mish",
    "log_softmax",
]


def _weights(in_dim, units, seed=0):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(scale=0.5, size=(in_dim, units)).astype("float32")
    bias = rng.normal(scale=0.1, size=(units,)).astype("float32")
    return kernel, bias


def test_kernel_layout_is_in_out():
    layer = layers.Dense(5)
    layer(torch.zeros(2, 3))
    assert tuple(layer.kernel.shape) == (3, 5)
    assert tuple(layer.bias.shape) == (5,)
    assert [w.shape for w in layer.get_weights()] == [(3, 5), (5,)]
    assert [w._keras_name for w in layer.weights] == ["kernel", "bias"]


def test_hand_computation_2d():
    layer = layers.Dense(2)
    layer(torch.zeros(1, 3))
    kernel = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]], "float32")
    bias = np.array([0.5, -0.5], "float32")
    layer.set_weights([kernel, bias])
    x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])
    # [1*1 + 2*0 + 3*3 + .5, 1*2 + 2*-1 + 3*.5 - .5] = [10.5, 1.0]; [-1+3+.5, -2+.5-.5] = [2.5, -2]
    torch.testing.assert_close(layer(x), torch.tensor([[10.5, 1.0], [2.5, -2.0]]))


def test_hand_computation_3d_and_relu():
    layer = layers.Dense(1, activation="relu")
    layer(torch.zeros(1, 1, 2))
    layer.set_weights([np.array([[1.0], [-1.0]], "float32"), np.array([0.25], "float32")])
    x = torch.tensor([[[2.0, 1.0], [1.0, 3.0]], [[0.0, 0.0], [5.0, 5.0]]])
    y = layer(x)
    assert tuple(y.shape) == (2, 2, 1)
    torch.testing.assert_close(y, torch.tensor([[[1.25], [0.0]], [[0.25], [0.25]]]))


def test_no_bias():
    layer = layers.Dense(2, use_bias=False, kernel_initializer="ones")
    y = layer(torch.tensor([[1.0, 2.0, 3.0]]))
    assert layer.bias is None and len(layer.weights) == 1
    torch.testing.assert_close(y, torch.tensor([[6.0, 6.0]]))


def test_initializers():
    layer = layers.Dense(4, kernel_initializer=initializers.Constant(0.5), bias_initializer="ones")
    layer(torch.zeros(1, 3))
    np.testing.assert_array_equal(layer.get_weights()[0], np.full((3, 4), 0.5, "float32"))
    np.testing.assert_array_equal(layer.get_weights()[1], np.ones(4, "float32"))
    default = layers.Dense(300)
    default(torch.zeros(1, 200))
    limit = np.sqrt(6.0 / (200 + 300))  # glorot_uniform
    kernel = default.get_weights()[0]
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit
    assert float(np.abs(default.get_weights()[1]).sum()) == 0.0  # zeros bias


def test_integer_input_is_cast():
    layer = layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")
    y = layer(torch.tensor([[1, 2, 3]]))
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, torch.tensor([[6.0, 6.0]]))
    ints = torch.tensor([[1, -2, 3], [0, 4, 5]], dtype=torch.int32)
    torch.testing.assert_close(layer(ints), layer(ints.float()))


@pytest.mark.parametrize(
    "kernel_constraint,bias_constraint,kernel_cls,bias_cls",
    [
        ("max_norm", "non_neg", constraints.MaxNorm, constraints.NonNeg),
        (constraints.MaxNorm(1.5), constraints.NonNeg(), constraints.MaxNorm, constraints.NonNeg),
        ("unit_norm", None, constraints.UnitNorm, type(None)),
        (constraints.MinMaxNorm(0.5, 1.0), "NonNeg", constraints.MinMaxNorm, constraints.NonNeg),
    ],
)
def test_constraints_accepted(kernel_constraint, bias_constraint, kernel_cls, bias_cls):
    layer = layers.Dense(3, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
    layer(torch.zeros(1, 4))
    assert isinstance(layer.kernel_constraint, kernel_cls)
    assert isinstance(layer.bias_constraint, bias_cls)
    # Attached to the weights, for the optimizer to apply after each update.
    assert layer.kernel._keras_constraint is layer.kernel_constraint
    assert layer.bias._keras_constraint is layer.bias_constraint
    config = layer.get_config()
    assert config["kernel_constraint"]["class_name"] == kernel_cls.__name__
    clone = layers.Dense.from_config(config)
    assert isinstance(clone.kernel_constraint, kernel_cls)
    assert clone.kernel_constraint.get_config() == layer.kernel_constraint.get_config()


def test_constraint_projects_kernel():
    layer = layers.Dense(2, kernel_constraint=constraints.NonNeg())
    layer(torch.zeros(1, 3))
    layer.set_weights([np.array([[1.0, -2.0], [-0.5, 3.0], [0.0, -1.0]], "float32"),
                       np.zeros(2, "float32")])
    projected = layer.kernel_constraint(layer.kernel.detach())
    np.testing.assert_array_equal(projected.numpy(), [[1.0, 0.0], [0.0, 3.0], [0.0, 0.0]])


@pytest.mark.parametrize("units", [0, -3, 2.5, "4"])
def test_invalid_units(units):
    with pytest.raises(ValueError, match="units"):
        layers.Dense(units)


def test_numpy_integer_units_accepted():
    assert layers.Dense(np.int64(3)).units == 3


def test_activation_config_uses_keras_names():
    assert layers.Dense(2).get_config()["activation"] == "linear"
    assert layers.Dense(2, activation="relu").get_config()["activation"] == "relu"
    assert layers.Dense(2, activation=activations.tanh).get_config()["activation"] == "tanh"


def test_config_keys_match_keras():
    keras = pytest.importorskip("keras")
    ours = layers.Dense(3, activation="relu", kernel_regularizer="l2").get_config()
    theirs = keras.layers.Dense(3, activation="relu", kernel_regularizer="l2").get_config()
    assert set(ours) == set(theirs)
    for key in ("units", "activation", "use_bias", "trainable", "dtype", "kernel_initializer",
                "bias_initializer", "kernel_regularizer", "bias_regularizer", "kernel_constraint",
                "bias_constraint"):
        assert ours[key] == theirs[key], key


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("input_shape", [(4, 3), (2, 5, 3)], ids=["2d", "3d"])
def test_matches_keras(activation, input_shape):
    keras = pytest.importorskip("keras")
    units = 4
    kernel, bias = _weights(input_shape[-1], units)
    x = np.random.default_rng(1).normal(size=input_shape).astype("float32")

    ours = layers.Dense(units, activation=activation)
    ours(torch.zeros(input_shape))
    ours.set_weights([kernel, bias])
    theirs = keras.layers.Dense(units, activation=activation)
    theirs.build(input_shape)
    theirs.set_weights([kernel, bias])

    got = ours(torch.tensor(x)).detach().numpy()
    want = keras.ops.convert_to_numpy(theirs(x))
    assert got.shape == want.shape == input_shape[:-1] + (units,)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # Keras reads our weights unchanged (same layout) and vice versa.
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
