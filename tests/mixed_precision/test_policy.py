"""Dtype policies: names, dtypes, the global policy, per-layer policies and configs against Keras 3."""

import numpy as np
import pytest
import torch

import keraton
from keraton import mixed_precision


@pytest.mark.parametrize("name, compute, variable", [
    ("float32", "float32", "float32"),
    ("mixed_bfloat16", "bfloat16", "float32"),
    ("mixed_float16", "float16", "float32"),
    ("bfloat16", "bfloat16", "bfloat16"),
    ("float64", "float64", "float64"),
])
def test_policy_dtypes_match_keras(name, compute, variable):
    keras = pytest.importorskip("keras")
    ours = mixed_precision.DTypePolicy(name)
    theirs = keras.mixed_precision.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype) == (name, compute, variable)
    assert (theirs.compute_dtype, theirs.variable_dtype) == (compute, variable)
    assert ours.get_config() == theirs.get_config()
    assert mixed_precision.Policy is mixed_precision.DTypePolicy


def test_bad_policy_name():
    with pytest.raises(ValueError, match="Cannot convert 'mixed_float8' to a dtype policy"):
        mixed_precision.DTypePolicy("mixed_float8")
    with pytest.raises(ValueError, match="floating-point policy"):
        mixed_precision.set_global_policy("int32")


def test_global_policy_applies_to_new_layers_only():
    before = keraton.layers.Dense(2)
    mixed_precision.set_global_policy("mixed_bfloat16")
    assert mixed_precision.global_policy().name == "mixed_bfloat16"
    after = keraton.layers.Dense(2)
    assert (before.compute_dtype, after.compute_dtype) == ("float32", "bfloat16")
    assert after.dtype == after.dtype_policy.variable_dtype == "float32"
    mixed_precision.set_global_policy("float32")
    assert mixed_precision.global_policy().compute_dtype == "float32"


def test_layer_config_matches_keras_under_mixed_policy():
    keras = pytest.importorskip("keras")
    ours = keraton.layers.Dense(3, dtype="mixed_bfloat16", name="d")
    theirs = keras.layers.Dense(3, dtype="mixed_bfloat16", name="d")
    assert ours.get_config()["dtype"] == theirs.get_config()["dtype"]
    again = keraton.layers.Dense.from_config(ours.get_config())
    assert again.dtype_policy.name == "mixed_bfloat16"


@pytest.mark.parametrize("policy, low", [("mixed_bfloat16", torch.bfloat16),
                                         ("mixed_float16", torch.float16)])
def test_mixed_layer_computes_low_keeps_float32_variables(policy, low):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    layer = keraton.layers.Dense(3, activation="relu", dtype=policy)
    out = layer(torch.as_tensor(x))
    assert out.dtype == low
    assert all(w.dtype == torch.float32 for w in layer.weights)
    twin = keras.layers.Dense(3, activation="relu", dtype=policy)
    twin.build((None, 4))
    twin.set_weights(layer.get_weights())
    want = np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(twin(x), "float32")))
    got = out.float().detach().numpy()
    # Both round inputs and weights to the low precision: equal to its resolution.
    np.testing.assert_allclose(got, want, rtol=2e-2, atol=2e-2)
    exact = np.maximum(x @ layer.get_weights()[0] + layer.get_weights()[1], 0)
    assert np.abs(got - exact).max() > 0  # really computed in low precision


def test_float32_layer_inside_mixed_model_computes_in_float32():
    mixed_precision.set_global_policy("mixed_bfloat16")
    inputs = keraton.Input((4,))
    hidden = keraton.layers.Dense(8, activation="relu")(inputs)
    outputs = keraton.layers.Dense(2, dtype="float32")(hidden)
    model = keraton.Model(inputs, outputs)
    seen = {}
    for layer in model.layers[1:]:
        layer.register_forward_hook(lambda m, i, o: seen.__setitem__(m.name, o.dtype))
    model(torch.ones(3, 4))
    assert list(seen.values()) == [torch.bfloat16, torch.float32]


def test_fit_under_mixed_bfloat16_trains_and_keeps_float32_state():
    mixed_precision.set_global_policy("mixed_bfloat16")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    keraton.utils.set_random_seed(0)
    model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(16, activation="relu"),
                                keraton.layers.Dense(1, activation="sigmoid")])
    model.compile(keraton.optimizers.Adam(0.02), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=8, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert all(w.dtype == torch.float32 for w in model.weights)
    assert all(v.dtype == torch.float32 for v in model.optimizer._variables)
    pred = model.predict(x[:4], verbose=0)
    assert pred.dtype == np.float32 and pred.shape == (4, 1)
