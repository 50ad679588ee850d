"""Lambda: computation, shapes, and (safe) serialization of Python functions."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers
from keraton.saving import safe_mode_state


def triple(x):
    return x * 3


def test_call_and_arguments():
    layer = layers.Lambda(lambda x, factor, shift: x * factor + shift,
                          arguments={"factor": 2.0, "shift": 1.0})
    torch.testing.assert_close(layer(torch.tensor([[1.0, -2.0]])), torch.tensor([[3.0, -3.0]]))
    assert layer.get_config()["arguments"] == {"factor": 2.0, "shift": 1.0}
    assert layer.weights == []


def test_not_callable():
    with pytest.raises(TypeError, match="callable"):
        layers.Lambda(3)


def test_symbolic_shape_inferred_without_output_shape():
    out = layers.Lambda(lambda x: torch.cat([x, x[:, :1]], dim=1))(keraton.Input((4,)))
    assert out.shape == (None, 5)


def test_symbolic_shape_from_output_shape():
    inp = keraton.Input((4,))
    out = layers.Lambda(lambda x: x[:, :2], output_shape=(2,))(inp)
    assert out.shape == (None, 2)
    out2 = layers.Lambda(lambda x: x.sum(-1, keepdim=True),
                         output_shape=lambda s: (s[0], 1))(inp)
    assert out2.shape == (None, 1)


def test_training_argument_passed_to_function():
    layer = layers.Lambda(lambda x, training=None: x + (1.0 if training else 0.0))
    x = torch.zeros(1, 2)
    torch.testing.assert_close(layer(x), x)
    torch.testing.assert_close(layer(x, training=True), x + 1)


def test_python_lambda_config_stores_bytecode():
    layer = layers.Lambda(lambda x: x * 2 + 1, output_shape=(3,))
    config = layer.get_config()
    fn = config["function"]
    assert fn["class_name"] == "__lambda__"
    assert isinstance(fn["config"]["code"], str) and len(fn["config"]["code"]) > 20
    assert fn["config"]["defaults"] is None and fn["config"]["closure"] is None
    assert config["output_shape"] == [3]
    json.dumps(config)


def test_from_config_refuses_bytecode_in_safe_mode():
    config = layers.Lambda(lambda x: x * 2).get_config()
    with pytest.raises(ValueError, match="safe_mode") as info:
        layers.Lambda.from_config(config)
    assert "safe_mode=False" in str(info.value)
    with pytest.raises(ValueError, match="safe_mode"):
        layers.Lambda.from_config(config, safe_mode=True)
    with pytest.raises(ValueError, match="safe_mode"):
        layers.deserialize(layers.serialize(layers.Lambda(lambda x: x)))


def test_from_config_with_safe_mode_false_rebuilds_function():
    offset = 5.0
    layer = layers.Lambda(lambda x: x * 2 + offset)  # a closure: its cell is stored
    config = json.loads(json.dumps(layer.get_config()))
    assert config["function"]["config"]["closure"] == [5.0]
    clone = layers.Lambda.from_config(config, safe_mode=False)
    x = torch.tensor([[1.0, 2.0]])
    torch.testing.assert_close(clone(x), torch.tensor([[7.0, 9.0]]))
    with safe_mode_state.safe_mode_scope(False):
        again = layers.deserialize(layers.serialize(layer))
    torch.testing.assert_close(again(x), layer(x))


def test_named_function_serialized_by_name():
    layer = layers.Lambda(triple)
    fn = layer.get_config()["function"]
    assert fn["class_name"] == "function" and fn["config"] == "triple"
    with pytest.raises(ValueError, match="triple"):
        layers.Lambda.from_config(layer.get_config())
    clone = layers.Lambda.from_config(layer.get_config(), custom_objects={"triple": triple})
    assert clone.function is triple
    torch.testing.assert_close(clone(torch.ones(1, 2)), torch.full((1, 2), 3.0))


def test_loads_keras_lambda_bytecode():
    keras = pytest.importorskip("keras")
    config = keras.layers.Lambda(lambda x: x * 2 - 1).get_config()
    config = json.loads(json.dumps(config))
    with pytest.raises(ValueError, match="safe_mode"):
        layers.Lambda.from_config(config)
    layer = layers.Lambda.from_config(config, safe_mode=False)
    x = np.array([[0.5, 3.0]], "float32")
    np.testing.assert_allclose(layer(torch.tensor(x)).numpy(), [[0.0, 5.0]])


def test_config_structure_matches_keras():
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    ours = layers.Lambda(lambda x: x + 1, output_shape=(4,), arguments={"a": 1}).get_config()
    theirs = keras.layers.Lambda(lambda x: x + 1, output_shape=(4,), arguments={"a": 1}).get_config()
    assert set(ours) == set(theirs)
    assert ours["function"]["class_name"] == theirs["function"]["class_name"] == "__lambda__"
    assert set(ours["function"]["config"]) == set(theirs["function"]["config"])
    assert list(ours["output_shape"]) == list(theirs["output_shape"])
    assert ours["arguments"] == theirs["arguments"]
