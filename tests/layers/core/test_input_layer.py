"""Input and InputLayer: shapes, dtypes, names, configs (compared with Keras 3)."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers


@pytest.mark.parametrize(
    "kwargs,batch_shape",
    [
        ({"shape": (3,)}, (None, 3)),
        ({"shape": 3}, (None, 3)),
        ({"shape": (2, 3)}, (None, 2, 3)),
        ({"shape": (None, 5)}, (None, None, 5)),
        ({"shape": (3,), "batch_size": 4}, (4, 3)),
        ({"batch_shape": (8, 2)}, (8, 2)),
        ({"batch_shape": (None, 7)}, (None, 7)),
        ({"input_shape": (6,)}, (None, 6)),  # Keras 2 spelling
        ({"batch_input_shape": (2, 6)}, (2, 6)),  # Keras 2 spelling
    ],
)
def test_input_shapes(kwargs, batch_shape):
    x = keraton.Input(**kwargs)
    assert isinstance(x, keraton.KerasTensor)
    assert x.shape == batch_shape
    assert x.ndim == len(batch_shape)
    layer = x._keras_history[0]
    assert isinstance(layer, layers.InputLayer)
    assert layer.batch_shape == batch_shape
    assert layer.output is x
    assert layer.get_config()["batch_shape"] == list(batch_shape)


def test_input_names_and_dtype():
    a = keraton.Input((3,))
    b = keraton.Input((3,))
    c = keraton.Input((3,), name="features", dtype="int64")
    assert a._keras_history[0].name == "input_layer"
    assert b._keras_history[0].name == "input_layer_1"
    assert c.name == "features" and c._keras_history[0].name == "features"
    assert c.dtype == "int64"  # Keras 3: the dtype's name
    assert a.dtype == "float32"
    assert c._keras_history[0].dtype == "int64"


def test_input_layer_is_built_and_passes_data_through():
    layer = layers.InputLayer(shape=(3,))
    assert layer.built and layer.weights == []
    x = torch.randn(2, 3)
    assert layer(x) is x
    assert layer.output.shape == (None, 3)
    assert layer._inbound_nodes[0].is_input


def test_input_from_tensor():
    x = keraton.Input(tensor=torch.zeros(5, 2))
    assert x.shape == (5, 2)


@pytest.mark.parametrize(
    "kwargs,match",
    [({"shape": (3,), "batch_shape": (None, 3)}, "not both"), ({}, "shape")],
)
def test_input_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.InputLayer(**kwargs)


def test_unknown_kwarg():
    with pytest.raises(TypeError, match="shapes"):
        keraton.Input(shapes=(3,))


def test_config_round_trip():
    layer = layers.InputLayer(batch_shape=(None, 4, 2), dtype="float64", name="img")
    config = layer.get_config()
    assert config == {"batch_shape": [None, 4, 2], "dtype": "float64", "sparse": False,
                      "ragged": False, "name": "img", "optional": False}
    clone = layers.InputLayer.from_config(json.loads(json.dumps(config)))
    assert clone.batch_shape == (None, 4, 2) and clone.dtype == "float64" and clone.name == "img"
    assert clone.get_config() == config


@pytest.mark.parametrize("kwargs", [{"shape": (3,)}, {"shape": (2, 3), "batch_size": 5},
                                    {"shape": (4,), "dtype": "int32", "name": "tokens"}])
def test_config_matches_keras(kwargs):
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()  # fresh Keras name counters, as ours
    ours = keraton.Input(**kwargs)._keras_history[0].get_config()
    theirs = keras.Input(**kwargs)._keras_history[0].get_config()
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))


def test_input_feeds_a_model():
    inp = keraton.Input((3,), name="x")
    model = keraton.Model(inp, layers.Dense(2, kernel_initializer="ones")(inp))
    assert model.input_names == ["x"]
    out = model(torch.tensor([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(out.detach().numpy(), [[6.0, 6.0]])
