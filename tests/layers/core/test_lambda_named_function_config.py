"""A Lambda of a registered or built-in function has Keras 3's config and comes back from it."""

import numpy as np
import pytest
import torch

import keraton


@keraton.saving.register_keras_serializable(package="LambdaTest")
def _doubled(x):
    return x * 2.0


def test_registered_function_config_matches_keras_and_round_trips():
    layer = keraton.layers.Lambda(_doubled)
    entry = layer.get_config()["function"]
    assert entry == {"module": "builtins", "class_name": "function",
                     "config": "LambdaTest>_doubled", "registered_name": "function"}
    clone = keraton.layers.Lambda.from_config(layer.get_config())
    assert clone.function is _doubled


def test_builtin_activation_is_stored_by_name_not_bytecode():
    layer = keraton.layers.Lambda(keraton.activations.relu)
    entry = layer.get_config()["function"]
    assert entry == {"module": "builtins", "class_name": "function", "config": "relu",
                     "registered_name": "function"}
    clone = keraton.layers.Lambda.from_config(layer.get_config())
    np.testing.assert_allclose(clone(torch.tensor([[-1.0, 2.0]])).numpy(), [[0.0, 2.0]])


def test_clone_model_keeps_registered_lambda_function():
    inputs = keraton.Input((3,))
    model = keraton.Model(inputs, keraton.layers.Lambda(_doubled)(inputs))
    clone = keraton.models.clone_model(model)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(clone.predict(x, verbose=0), 2 * x)


def test_keras3_reads_keraton_entry_and_back():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("needs Keras 3 on torch")

    def tripled(x):
        return x * 3.0

    # the same function registered under the same name on both sides
    tripled = keras.saving.register_keras_serializable(package="LambdaTest")(tripled)
    tripled = keraton.saving.register_keras_serializable(package="LambdaTest")(tripled)
    ours = keraton.layers.Lambda(tripled).get_config()["function"]
    theirs = keras.layers.Lambda(tripled).get_config()["function"]
    assert ours == theirs
    assert keras.layers.Lambda(keras.activations.relu).get_config()["function"] == \
        keraton.layers.Lambda(keraton.activations.relu).get_config()["function"]
