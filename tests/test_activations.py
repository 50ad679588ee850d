"""keraton.activations against real Keras 3 (torch backend) and hand computations."""

import numpy as np
import pytest
import torch

from keraton import activations

RNG = np.random.default_rng(42)
# Values spread over the interesting regions (negative, around 0, +-1, +-3, beyond 6, > 20).
X = np.concatenate(
    [
        np.array([-30.0, -7.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, 25.0]),
        RNG.normal(0.0, 3.0, size=52),
    ]
).astype("float32").reshape(8, 8)


def _keras():
    return pytest.importorskip("keras")


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return np.asarray(t)


SIMPLE = [
    "relu",
    "relu6",
    "sigmoid",
    "hard_sigmoid",
    "softmax",
    "log_softmax",
    "softplus",
    "softsign",
    "tanh",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "hard_silu",
    "hard_swish",
    "mish",
    "exponential",
    "linear",
    "leaky_relu",
    "celu",
    "glu",
    "hard_tanh",
    "hard_shrink",
    "soft_shrink",
    "tanh_shrink",
    "log_sigmoid",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
    "sparsemax",
]


@pytest.mark.parametrize("name", SIMPLE)
def test_matches_keras_default_arguments(name):
    keras = _keras()
    x = X / 4 if name == "exponential" else X
    expected = _np(getattr(keras.activations, name)(x))
    got = getattr(activations, name)(torch.tensor(x))
    assert isinstance(got, torch.Tensor)
    assert got.shape == tuple(expected.shape)
    np.testing.assert_allclose(_np(got), expected, rtol=1e-5, atol=1e-6)


RELU_ARGS = [
    dict(negative_slope=0.1),
    dict(max_value=6.0),
    dict(max_value=2.5),
    dict(threshold=1.0),
    dict(threshold=-1.0),
    dict(threshold=-1.0, max_value=3.0),
    dict(negative_slope=0.2, max_value=4.0),
    dict(negative_slope=0.3, threshold=0.5),
    dict(negative_slope=0.3, threshold=-2.0, max_value=5.0),
    dict(negative_slope=0.05, max_value=6),
]


@pytest.mark.parametrize("kwargs", RELU_ARGS, ids=[str(k) for k in RELU_ARGS])
def test_relu_arguments_match_keras(kwargs):
    keras = _keras()
    expected = _np(keras.activations.relu(X, **kwargs))
    got = activations.relu(torch.tensor(X), **kwargs)
    np.testing.assert_allclose(_np(got), expected, rtol=1e-5, atol=1e-6)


def test_relu_by_hand():
    x = torch.tensor([-2.0, -0.5, 0.5, 1.0, 1.5, 8.0])
    got = activations.relu(x, negative_slope=0.5, max_value=4.0, threshold=1.0)
    # x > 1 keeps x (then clipped at 4); otherwise 0.5 * (x - 1).
    expected = [0.5 * -3.0, 0.5 * -1.5, 0.5 * -0.5, 0.0, 1.5, 4.0]
    np.testing.assert_allclose(_np(got), expected, rtol=1e-6)


ARG_CASES = [
    ("elu", dict(alpha=0.5)),
    ("elu", dict(alpha=2.0)),
    ("gelu", dict(approximate=True)),
    ("gelu", dict(approximate=False)),
    ("leaky_relu", dict(negative_slope=0.01)),
    ("celu", dict(alpha=0.7)),
    ("softmax", dict(axis=0)),
    ("softmax", dict(axis=1)),
    ("log_softmax", dict(axis=0)),
    ("glu", dict(axis=0)),
    ("hard_shrink", dict(threshold=1.5)),
    ("soft_shrink", dict(threshold=0.8)),
    ("squareplus", dict(b=1.0)),
    ("threshold", dict(threshold=0.3, default_value=-5.0)),
    ("sparsemax", dict(axis=0)),
]


@pytest.mark.parametrize("name,kwargs", ARG_CASES, ids=[f"{n}-{k}" for n, k in ARG_CASES])
def test_arguments_match_keras(name, kwargs):
    keras = _keras()
    expected = _np(getattr(keras.activations, name)(X, **kwargs))
    got = getattr(activations, name)(torch.tensor(X), **kwargs)
    np.testing.assert_allclose(_np(got), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2, (1, 2), (0, 2), (-1, -2)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_axes_3d(name, axis):
    x = RNG.normal(size=(3, 4, 5)).astype("float32")
    got = _np(getattr(activations, name)(torch.tensor(x), axis=axis))
    axes = axis if isinstance(axis, tuple) else (axis,)
    shifted = x - x.max(axis=axes, keepdims=True)
    log_sm = shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True))
    expected = log_sm if name == "log_softmax" else np.exp(log_sm)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    if name == "softmax":
        np.testing.assert_allclose(got.sum(axis=axes), 1.0, rtol=1e-5)


def test_softmax_axis_none_normalizes_everything():
    got = activations.softmax(torch.tensor(X), axis=None)
    assert float(got.sum()) == pytest.approx(1.0, rel=1e-5)
    expected = np.exp(X - X.max()) / np.exp(X - X.max()).sum()
    np.testing.assert_allclose(_np(got), expected, rtol=1e-5, atol=1e-12)


def test_softmax_keeps_logits_and_warns_on_size_one_axis():
    x = torch.tensor(X)
    out = activations.softmax(x)
    assert out._keras_logits is x
    assert activations.sigmoid(x)._keras_logits is x
    with pytest.warns(UserWarning, match="size 1"):
        activations.softmax(torch.zeros(4, 1))


def test_half_precision_softmax_keeps_dtype():
    out = activations.softmax(torch.tensor(X, dtype=torch.float16))
    assert out.dtype == torch.float16
    np.testing.assert_allclose(_np(out.float()), _np(activations.softmax(torch.tensor(X))),
                               atol=2e-3)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("hard_sigmoid", [0.0, 0.0, 1 / 3, 0.5, 2 / 3, 1.0, 1.0]),
        ("relu6", [0.0, 0.0, 0.0, 0.0, 1.0, 3.0, 6.0]),
        ("hard_silu", [-0.0, 0.0, -1 / 3, 0.0, 2 / 3, 3.0, 10.0]),
        ("sparse_sigmoid", [0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0]),
    ],
)
def test_piecewise_by_hand(name, expected):
    x = torch.tensor([-5.0, -3.0, -1.0, 0.0, 1.0, 3.0, 10.0])
    np.testing.assert_allclose(_np(getattr(activations, name)(x)), expected, rtol=1e-6, atol=1e-7)


def test_numpy_and_integer_inputs_are_accepted():
    out = activations.sigmoid(np.array([0, 1], dtype="int64"))
    assert out.dtype == torch.float32
    np.testing.assert_allclose(_np(out), [0.5, 1 / (1 + np.exp(-1))], rtol=1e-6)


def test_gradients_flow():
    x = torch.tensor(X, requires_grad=True)
    activations.mish(x).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert float(x.grad.abs().sum()) > 0


# --------------------------------------------------------------------------- get / serialize


@pytest.mark.parametrize("name", sorted(activations.ALL_OBJECTS_DICT))
def test_get_by_name_and_roundtrip(name):
    fn = activations.get(name)
    assert fn is activations.ALL_OBJECTS_DICT[name]
    assert activations.deserialize(activations.serialize(fn)) is fn


def test_get_none_callable_and_aliases():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.serialize(activations.swish) == "silu"
    assert activations.serialize(activations.relu) == "relu"

    def custom(x):
        return x * 2

    assert activations.get(custom) is custom


@pytest.mark.parametrize("name", ["relu", "softmax", "gelu", "swish", "hard_sigmoid", "mish"])
def test_serialized_name_matches_keras(name):
    keras = _keras()
    ours = activations.serialize(activations.get(name))
    assert ours == keras.activations.serialize(keras.activations.get(name))
    # and Keras understands our serialized name
    assert keras.activations.deserialize(ours).__name__ == activations.get(ours).__name__


def test_get_dict_config():
    assert activations.get({"class_name": "function", "config": "tanh",
                            "module": "keras.activations", "registered_name": None}) is activations.tanh


def test_custom_registered_activation_roundtrip():
    from keraton.saving import register_keras_serializable

    @register_keras_serializable(package="ActTest")
    def doubled(x):
        return 2 * x

    config = activations.serialize(doubled)
    assert isinstance(config, dict) and config["config"] == "ActTest>doubled"  # Keras 3.15 form
    assert config["registered_name"] == "function"
    assert activations.deserialize(config) is doubled
    assert activations.get(config) is doubled


@pytest.mark.parametrize("bad,closest", [("rleu", "relu"), ("softmaxx", "softmax"),
                                         ("gelux", "gelu"), ("sigmoidd", "sigmoid")])
def test_unknown_name_mentions_closest(bad, closest):
    with pytest.raises(ValueError, match=f"'{closest}'"):
        activations.get(bad)
    with pytest.raises(ValueError, match=f"'{closest}'"):
        activations.deserialize({"class_name": "function", "config": bad})


def test_get_rejects_non_callable():
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.get(3.5)
