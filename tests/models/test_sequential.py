"""Sequential: construction, add/pop, building, torch modules, configs and weights vs Keras 3."""

import json

import numpy as np
import pytest
import torch
from torch import nn

import keraton
from keraton import layers


def _stack(K):
    """The same model in keraton or in Keras (``K`` is the package)."""
    L = K.layers
    return K.Sequential([
        K.Input((4,)),
        L.Dense(8, activation="relu"),
        L.Dropout(0.2),
        L.Dense(6, activation="tanh"),
        L.Reshape((2, 3)),
        L.Flatten(),
        L.Activation("softmax"),
        L.Dense(1, activation="sigmoid", use_bias=False, kernel_regularizer="l2"),
    ])


def _jsonable(x):
    return json.loads(json.dumps(x))


def _x(shape=(5, 4), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


# ----------------------------------------------------------------------------- construction
def test_constructor_list():
    d1, d2 = layers.Dense(3), layers.Dense(2)
    model = keraton.Sequential([keraton.Input((4,)), d1, d2], name="stack")
    assert model.name == "stack"
    assert model.layers == [d1, d2]  # the InputLayer is not listed, as in Keras
    assert model.built
    assert [t.shape for t in model.inputs] == [(None, 4)]
    assert [t.shape for t in model.outputs] == [(None, 2)]
    assert model.outputs[0]._keras_history[0] is d2
    y = model(torch.ones(7, 4))
    assert tuple(y.shape) == (7, 2)
    torch.testing.assert_close(y, d2(d1(torch.ones(7, 4))))


def test_add_and_pop():
    model = keraton.Sequential()
    assert model.layers == [] and not model.built
    model.add(keraton.Input((5,)))
    model.add(layers.Dense(4))
    assert model.built and model.outputs[0].shape == (None, 4)
    model.add(layers.Dense(2))
    assert model.outputs[0].shape == (None, 2)
    assert len(model.weights) == 4
    popped = model.pop()
    assert popped.name == "dense_1"
    assert [layer.name for layer in model.layers] == ["dense"]
    assert model.outputs[0].shape == (None, 4)
    assert len(model.weights) == 2 and "dense_1" not in dict(model.named_children())
    assert tuple(model(torch.ones(3, 5)).shape) == (3, 4)
    model.pop()
    with pytest.raises(TypeError, match="no layers"):
        model.pop()


def test_input_must_come_first():
    with pytest.raises(ValueError, match="first"):
        keraton.Sequential([layers.Dense(3), keraton.Input((3,))])
    model = keraton.Sequential([keraton.Input((3,))])
    with pytest.raises(ValueError, match="first"):
        model.add(keraton.Input((3,)))


def test_add_rejects_non_layers():
    with pytest.raises(TypeError, match="expects a keraton layer"):
        keraton.Sequential().add("dense")


@pytest.mark.parametrize(
    "kwargs,shape",
    [({"input_shape": (4,)}, (None, 4)), ({"input_dim": 6}, (None, 6)),
     ({"batch_input_shape": (8, 2)}, (8, 2))],
    ids=["input_shape", "input_dim", "batch_input_shape"],
)
def test_built_from_declared_input(kwargs, shape):
    first = layers.Dense(3, **kwargs)
    model = keraton.Sequential([first, layers.Dense(1)])
    assert model.built
    assert model.input_shape == shape
    assert model.inputs[0].shape == shape
    assert model.outputs[0].shape == (shape[0], 1)
    assert tuple(first.kernel.shape) == (shape[-1], 3)


def test_built_from_first_call():
    model = keraton.Sequential([layers.Dense(3), layers.Dense(1)])
    assert not model.built and model.inputs is None and model.weights == []
    y = model(torch.ones(6, 5))
    assert tuple(y.shape) == (6, 1)
    assert model.built
    assert model.input_shape == (None, 5)
    assert model.inputs[0].shape == (None, 5) and model.outputs[0].shape == (None, 1)
    assert [tuple(w.shape) for w in model.weights] == [(5, 3), (3,), (3, 1), (1,)]


def test_build_with_shape():
    model = keraton.Sequential([layers.Dense(3)])
    with pytest.raises(ValueError, match="input shape"):
        model.build()
    model.build((None, 7))
    assert model.built and tuple(model.layers[0].kernel.shape) == (7, 3)


def test_duplicate_names_error():
    with pytest.raises(ValueError, match="unique names.*'twin'"):
        keraton.Sequential([layers.Dense(3, name="twin"), layers.Dense(3, name="twin")])


def test_nn_module_auto_wrapping():
    linear = nn.Linear(4, 3)
    model = keraton.Sequential([keraton.Input((4,)), linear, nn.ReLU(), layers.Dense(2)])
    wrapper = model.layers[0]
    assert isinstance(wrapper, layers.TorchModuleWrapper) and wrapper.module is linear
    assert isinstance(model.layers[1].module, nn.ReLU)
    assert model.outputs[0].shape == (None, 2)
    # The torch parameters are model weights, in torch layout (out, in) for Linear.
    shapes = [tuple(w.shape) for w in model.weights]
    assert shapes == [(3, 4), (3,), (3, 2), (2,)]
    assert len(model.trainable_weights) == 4
    x = torch.randn(5, 4)
    expected = model.layers[2](torch.relu(linear(x)))
    torch.testing.assert_close(model(x), expected)


def test_sequential_inside_functional_and_torch():
    inner = keraton.Sequential([keraton.Input((3,)), layers.Dense(2)])
    inp = keraton.Input((3,))
    outer = keraton.Model(inp, layers.Dense(1)(inner(inp)))
    x = torch.randn(4, 3)
    torch.testing.assert_close(outer(x), outer.layers[-1](inner(x)))
    assert torch.nn.Sequential(inner, nn.Tanh())(x).shape == (4, 2)


# ----------------------------------------------------------------------------- config
def test_config_matches_keras_structure():
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    ours = _jsonable(_stack(keraton).get_config())
    theirs = _jsonable(_stack(keras).get_config())
    assert set(ours) == set(theirs)
    assert ours["name"] == theirs["name"] == "sequential"
    assert ours["build_input_shape"] == theirs["build_input_shape"] == [None, 4]
    assert ours["dtype"] == theirs["dtype"]
    assert [e["class_name"] for e in ours["layers"]] == [e["class_name"] for e in theirs["layers"]]
    for mine, keras_entry in zip(ours["layers"], theirs["layers"]):
        assert mine["module"] == keras_entry["module"]
        keras_config = dict(keras_entry["config"])
        assert mine["config"] == keras_config, mine["class_name"]
        if mine["class_name"] == "Dense":
            assert mine["build_config"] == keras_entry["build_config"]


def test_unbuilt_config_matches_keras():
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    ours = _jsonable(keraton.Sequential([layers.Dense(3), layers.Dense(2)]).get_config())
    theirs = _jsonable(keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)]).get_config())
    assert set(ours) == set(theirs)  # no build_input_shape yet
    assert [e["class_name"] for e in ours["layers"]] == ["Dense", "Dense"]


def test_from_config_rebuilds_equal_outputs():
    model = _stack(keraton)
    config = _jsonable(model.get_config())
    clone = keraton.Sequential.from_config(config)
    assert clone.built and clone.name == model.name
    assert [type(a) for a in clone.layers] == [type(b) for b in model.layers]
    assert _jsonable(clone.get_config()) == config
    clone.set_weights(model.get_weights())
    x = torch.tensor(_x())
    torch.testing.assert_close(clone(x), model(x))


def test_from_config_of_unbuilt_and_to_json():
    model = keraton.Sequential([layers.Dense(3, activation="relu"), layers.Dense(2)])
    clone = keraton.models.model_from_json(model.to_json())
    assert isinstance(clone, keraton.Sequential) and not clone.built
    assert [layer.units for layer in clone.layers] == [3, 2]


def test_from_keras_config():
    keras = pytest.importorskip("keras")
    keras_model = _stack(keras)
    model = keraton.Sequential.from_config(_jsonable(keras_model.get_config()))
    model.set_weights(keras_model.get_weights())
    x = _x()
    np.testing.assert_allclose(model(torch.tensor(x)).detach().numpy(),
                               keras_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- weights vs Keras
def test_keras_weights_give_keras_predictions():
    keras = pytest.importorskip("keras")
    keras_model = _stack(keras)
    model = _stack(keraton)
    assert [w.shape for w in model.get_weights()] == [w.shape for w in keras_model.get_weights()]
    model.set_weights(keras_model.get_weights())
    x = _x((16, 4), seed=3)
    np.testing.assert_allclose(model(torch.tensor(x)).detach().numpy(),
                               keras_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    # And back: Keras takes ours.
    keras_model.set_weights(model.get_weights())
    for a, b in zip(keras_model.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_keras_weights_with_3d_input_and_non_trainable():
    keras = pytest.importorskip("keras")

    def build(K):
        model = K.Sequential([K.Input((3, 5)), K.layers.Dense(4, activation="elu"),
                              K.layers.Dense(2, activation="softplus")])
        model.layers[0].trainable = False
        return model

    keras_model, model = build(keras), build(keraton)
    assert len(model.trainable_weights) == len(keras_model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == len(keras_model.non_trainable_weights) == 2
    model.set_weights(keras_model.get_weights())
    x = _x((6, 3, 5))
    np.testing.assert_allclose(model(torch.tensor(x)).detach().numpy(),
                               keras_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_set_weights_wrong_count():
    model = _stack(keraton)
    with pytest.raises(ValueError, match="expects 5 weight arrays"):
        model.set_weights(model.get_weights()[:-1])


def test_built_sequential_has_input_output_and_shapes():
    """tf.keras 2 gave a built Sequential ``input``/``output``; Keras 3 gives the shapes."""
    model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(3), keraton.layers.Dense(2)])
    assert model.input is model.inputs[0] and model.output is model.outputs[0]
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    assert keraton.Model(model.input, model.layers[0].output).output_shape == (None, 3)
    unbuilt = keraton.Sequential([keraton.layers.Dense(3)])
    assert not hasattr(unbuilt, "output") and not hasattr(unbuilt, "output_shape")
