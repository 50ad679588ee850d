"""MaxoutDense and Highway (Keras 2's deprecated layers): hand computations, weights, config, training, files."""

import re
import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton import constraints, regularizers
from keraton.layers.core.legacy_dense import Highway, MaxoutDense

CUSTOM = {"MaxoutDense": MaxoutDense, "Highway": Highway}
MAXOUT_WARNING = "The `MaxoutDense` layer is deprecated and will be removed after 06/2017."
HIGHWAY_WARNING = "The `Highway` layer is deprecated and will be removed after 06/2017."


@pytest.fixture(autouse=True)
def _quiet_deprecations():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _rng_weights(layer, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ------------------------------------------------------------------ MaxoutDense
@pytest.mark.parametrize("bias", [True, False])
def test_maxout_hand_computation(bias):
    layer = MaxoutDense(3, nb_feature=4, bias=bias)
    x = np.random.default_rng(1).normal(size=(5, 6)).astype("float32")
    layer(torch.from_numpy(x))
    weights = _rng_weights(layer)
    W = weights[0]
    b = weights[1] if bias else np.zeros((4, 3), "float32")
    want = np.max(np.einsum("bi,fio->bfo", x, W) + b, axis=1)
    got = layer(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_maxout_small_exact_case():
    layer = MaxoutDense(1, nb_feature=2, weights=[np.array([[[1.0], [0.0]], [[-1.0], [2.0]]], "float32"),
                                                  np.array([[0.5], [0.0]], "float32")])
    # feature 0: x0 + 0.5, feature 1: -x0 + 2*x1 -> max
    y = layer(torch.tensor([[1.0, 0.0], [1.0, 3.0], [-2.0, -1.0]]))
    torch.testing.assert_close(y, torch.tensor([[1.5], [5.0], [0.0]]))


def test_maxout_weights_shapes_names_order_and_initializers():
    layer = MaxoutDense(16, nb_feature=4)
    layer(torch.zeros(2, 8))
    assert [w.name for w in layer.weights] == ["W", "b"]
    assert [tuple(w.shape) for w in layer.weights] == [(4, 8, 16), (4, 16)]
    assert layer.count_params() == 4 * 8 * 16 + 4 * 16 == 576
    assert np.all(layer.get_weights()[1] == 0)
    limit = np.sqrt(6.0 / (8 + 16))  # glorot_uniform on (4, 8, 16): fans 4*8 and 4*16
    assert np.abs(layer.get_weights()[0]).max() <= np.sqrt(6.0 / (32 + 64)) + 1e-6 < limit
    nobias = MaxoutDense(2, nb_feature=3, bias=False)
    nobias(torch.zeros(1, 5))
    assert nobias.b is None and [w.name for w in nobias.weights] == ["W"]


def test_maxout_output_shape_symbolic_and_summary_params():
    model = keraton.models.Sequential([MaxoutDense(16, nb_feature=4, input_dim=8)])
    assert model.output_shape == (None, 16)
    assert model.count_params() == 576
    inputs = keraton.layers.Input((8,))
    outputs = MaxoutDense(5, nb_feature=2)(inputs)
    assert tuple(outputs.shape) == (None, 5)
    assert MaxoutDense(5).compute_output_shape((None, 8)) == (None, 5)


def test_maxout_rejects_non_2d_input():
    with pytest.raises(ValueError, match="expected ndim=2"):
        MaxoutDense(3)(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="expects a 2D input"):
        MaxoutDense(3).compute_output_shape((None, 3, 4))


# ------------------------------------------------------------------ Highway
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("activation", [None, "relu"])
def test_highway_hand_computation(bias, activation):
    layer = Highway(activation=activation, bias=bias)
    x = np.random.default_rng(2).normal(size=(4, 5)).astype("float32")
    layer(torch.from_numpy(x))
    weights = _rng_weights(layer)
    W, W_carry = weights[:2]
    b, b_carry = weights[2:] if bias else (0.0, 0.0)
    gate = _sigmoid(x @ W_carry + b_carry)
    transformed = x @ W + b
    if activation == "relu":
        transformed = np.maximum(transformed, 0)
    want = transformed * gate + (1 - gate) * x
    got = layer(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_highway_weights_shapes_names_order_and_initial_values():
    layer = Highway(input_dim=6)
    layer(torch.zeros(2, 6))
    assert [w.name for w in layer.weights] == ["W", "W_carry", "b", "b_carry"]
    assert [tuple(w.shape) for w in layer.weights] == [(6, 6), (6, 6), (6,), (6,)]
    _, _, b, b_carry = layer.get_weights()
    assert np.all(b == 0) and np.all(b_carry == 1)
    nobias = Highway(bias=False)
    nobias(torch.zeros(1, 3))
    assert [w.name for w in nobias.weights] == ["W", "W_carry"]
    model = keraton.models.Sequential([Highway(input_dim=8)])
    assert model.output_shape == (None, 8) and model.count_params() == 2 * 64 + 2 * 8


def test_highway_weights_argument_is_set_when_built():
    values = [np.eye(2, dtype="float32"), np.zeros((2, 2), "float32"),
              np.array([1.0, -1.0], "float32"), np.zeros(2, "float32")]
    layer = Highway(weights=values)
    # gate 0.5 everywhere: 0.5 * (x + b) + 0.5 * x = x + b / 2
    y = layer(torch.tensor([[2.0, 4.0]]))
    torch.testing.assert_close(y, torch.tensor([[2.5, 3.5]]))
    for got, want in zip(layer.get_weights(), values):
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ shared behaviour
def test_deprecation_warnings_exact_messages():
    with pytest.warns(UserWarning, match=re.escape(MAXOUT_WARNING)):
        MaxoutDense(2)
    with pytest.warns(UserWarning, match=re.escape(HIGHWAY_WARNING)):
        Highway()
    with pytest.warns(UserWarning) as record:
        layer = Highway(transform_bias=-2)
    messages = [str(w.message) for w in record]
    assert HIGHWAY_WARNING in messages
    assert "`transform_bias` argument is deprecated and has been removed." in messages
    assert "transform_bias" not in layer.get_config()


@pytest.mark.parametrize("make", [
    lambda: MaxoutDense(4, nb_feature=3, init="he_normal", W_regularizer=regularizers.l2(0.01),
                        b_regularizer="l1", activity_regularizer="l2",
                        W_constraint=constraints.max_norm(2.0), b_constraint="non_neg", bias=True,
                        input_dim=5),
    lambda: Highway(init="ones", activation="tanh", W_regularizer="l1", b_constraint="non_neg",
                    bias=False, input_dim=5),
])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    keys = {"init", "W_regularizer", "b_regularizer", "activity_regularizer", "W_constraint",
            "b_constraint", "bias", "input_dim"}
    keys |= {"output_dim", "nb_feature"} if isinstance(layer, MaxoutDense) else {"activation"}
    assert keys <= set(config)
    assert config["input_dim"] == 5
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = torch.randn(3, 5)
    layer(x), clone(x)
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(x), layer(x))


def test_keras2_config_loads():
    """A layer config as Keras 2.2.5 wrote it in an .h5 model (no module keys, batch_input_shape)."""
    config = {"name": "maxout_dense_1", "trainable": True, "batch_input_shape": [None, 8],
              "dtype": "float32", "output_dim": 16,
              "init": {"class_name": "VarianceScaling",
                       "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform",
                                  "seed": None}},
              "nb_feature": 4, "W_regularizer": None, "b_regularizer": None,
              "activity_regularizer": None, "W_constraint": None, "b_constraint": None,
              "bias": True, "input_dim": 8}
    layer = MaxoutDense.from_config(config)
    assert layer.name == "maxout_dense_1" and layer.output_dim == 16 and layer.nb_feature == 4
    assert layer.input_shape == (None, 8)


@pytest.mark.parametrize("make", [
    lambda: MaxoutDense(3, nb_feature=2, W_regularizer=regularizers.l2(0.01), b_regularizer="l1"),
    lambda: Highway(W_regularizer=regularizers.l2(0.01), b_regularizer="l1"),
])
def test_regularizer_losses(make):
    layer = make()
    layer(torch.zeros(2, 3))
    weights = _rng_weights(layer)
    W, b = weights[0], weights[1] if isinstance(layer, MaxoutDense) else weights[2]
    losses = [float(v) for v in layer.losses]
    # W_carry and b_carry carry no penalty (Keras 2).
    assert len(losses) == 2
    np.testing.assert_allclose(losses, [0.01 * np.sum(W ** 2), 0.01 * np.sum(np.abs(b))], rtol=1e-5)


@pytest.mark.parametrize("cls", [MaxoutDense, Highway])
def test_constraints_applied_after_an_optimizer_step(cls):
    args = (4,) if cls is MaxoutDense else ()
    layer = cls(*args, W_constraint=constraints.max_norm(0.5), b_constraint="non_neg", input_dim=4)
    model = keraton.models.Sequential([layer])
    model.compile(keraton.optimizers.SGD(1.0), "mse")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    model.train_on_batch(x, np.full((8, 4), -10.0, "float32"))
    W, b = layer.W.detach().numpy(), layer.b.detach().numpy()
    assert np.sqrt(np.sum(W ** 2, axis=0)).max() <= 0.5 + 1e-5
    assert b.min() >= 0.0


@pytest.mark.parametrize("cls", [MaxoutDense, Highway])
def test_fit_reduces_loss_and_reaches_every_weight(cls):
    args = (6,) if cls is MaxoutDense else ()
    model = keraton.models.Sequential([cls(*args, input_dim=6), keraton.layers.Dense(1)])
    model.compile(keraton.optimizers.Adam(0.02), "mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = np.abs(x).sum(axis=1, keepdims=True)
    before = [w.copy() for w in model.layers[0].get_weights()]
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    for old, new in zip(before, model.layers[0].get_weights()):
        assert not np.allclose(old, new)


def _legacy_model():
    return keraton.models.Sequential([MaxoutDense(6, nb_feature=3, input_dim=4),
                                      Highway(activation="relu"), Highway(bias=False)])


def test_save_and_load_model_and_weights(tmp_path):
    model = _legacy_model()
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    for layer in model.layers:
        _rng_weights(layer, seed=len(layer.name))
    want = model.predict(x, verbose=0)
    for name in ("m.keras", "m.h5"):
        model.save(tmp_path / name)
        loaded = keraton.models.load_model(tmp_path / name, custom_objects=CUSTOM)
        assert [type(layer) for layer in loaded.layers] == [MaxoutDense, Highway, Highway]
        np.testing.assert_allclose(loaded.predict(x, verbose=0), want, rtol=1e-6, atol=1e-6)
    for name in ("w.h5", "w.weights.h5"):
        model.save_weights(tmp_path / name)
        fresh = _legacy_model()
        fresh.load_weights(tmp_path / name)
        np.testing.assert_allclose(fresh.predict(x, verbose=0), want, rtol=1e-6, atol=1e-6)
