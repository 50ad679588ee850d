"""Subclassed models, model.layers, get_layer, to_json / model_from_json."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers


class TwoLayer(keraton.Model):
    def __init__(self, hidden=4, out=2, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.out = out
        self.dense1 = layers.Dense(hidden, activation="relu", name="first")
        self.dropout = layers.Dropout(0.5)
        self.dense2 = layers.Dense(out, name="second")

    def call(self, x, training=None):
        return self.dense2(self.dropout(self.dense1(x), training=training))

    def get_config(self):
        config = super().get_config()
        config.update({"hidden": self.hidden, "out": self.out})
        return config


def test_model_is_not_functional_when_subclassed():
    model = TwoLayer()
    assert type(model) is TwoLayer
    assert not isinstance(model, keraton.models.Functional)
    assert model.name == "two_layer"
    assert not model.built and model.weights == []


def test_build_via_first_call():
    model = TwoLayer(hidden=3, out=2)
    x = torch.randn(5, 6)
    y = model(x)
    assert model.built and tuple(y.shape) == (5, 2)
    assert [tuple(w.shape) for w in model.weights] == [(6, 3), (3,), (3, 2), (2,)]
    expected = model.dense2(model.dense1(x))  # dropout inactive in inference
    torch.testing.assert_close(y, expected)


def test_build_via_build_shape():
    model = TwoLayer(hidden=3, out=1)
    model.build((None, 7))
    assert model.built
    assert [tuple(w.shape) for w in model.weights] == [(7, 3), (3,), (3, 1), (1,)]
    assert model.training is False  # build leaves the mode alone
    model.build((None, 100))  # already built: no change
    assert tuple(model.dense1.kernel.shape) == (7, 3)


def test_build_without_shape_raises():
    with pytest.raises(ValueError, match="input_shape"):
        TwoLayer().build()


def test_custom_build_method_is_used():
    class WithBuild(keraton.Model):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones",
                                         name="scale")

        def call(self, x):
            return x * self.scale

    model = WithBuild()
    y = model(torch.full((2, 3), 2.0))
    torch.testing.assert_close(y, torch.full((2, 3), 2.0))
    assert [w._keras_name for w in model.weights] == ["scale"]


def test_layers_in_creation_order():
    model = TwoLayer()
    assert [layer.name for layer in model.layers] == ["first", "dropout", "second"]
    assert model.layers[1] is model.dropout


def test_get_layer():
    model = TwoLayer()
    assert model.get_layer("second") is model.dense2
    assert model.get_layer(index=0) is model.dense1
    assert model.get_layer(index=-1) is model.dense2
    with pytest.raises(ValueError, match="No such layer: 'third'.*'first'"):
        model.get_layer("third")
    with pytest.raises(ValueError, match="index 3.*3 layers"):
        model.get_layer(index=3)
    with pytest.raises(ValueError, match="not both"):
        model.get_layer("first", index=0)


def test_get_layer_functional_and_sequential():
    x = keraton.Input((3,), name="x")
    functional = keraton.Model(x, layers.Dense(1, name="out")(layers.Dense(2, name="h")(x)))
    assert functional.get_layer(index=0).name == "x"
    assert functional.get_layer("h").units == 2
    sequential = keraton.Sequential([keraton.Input((3,)), layers.Dense(2, name="h")])
    assert sequential.get_layer(index=0).name == "h"  # no InputLayer in Sequential.layers


def test_training_mode_in_subclassed_model():
    model = TwoLayer(hidden=200, out=1)
    x = torch.ones(4, 10)
    torch.testing.assert_close(model(x), model(x))  # inference: deterministic
    h = model.dense1(x)
    model.train()
    assert model.dropout.training is True
    dropped = model.dropout(h)
    assert float((dropped == 0).float().mean()) > 0.2
    assert model(x, training=False).shape == (4, 1)
    assert model.training is True


def test_model_init_with_inputs_outputs_is_functional():
    x = keraton.Input((3,))
    model = keraton.Model(inputs=x, outputs=layers.Dense(1)(x))
    assert isinstance(model, keraton.models.Functional)

    class NoInit(keraton.Model):
        def call(self, v):
            return v

    # Keras 3: a Model subclass called with (inputs, outputs) is a functional model that
    # keeps the subclass's methods (the "customize fit()" idiom).
    sub = NoInit(x, x)
    assert isinstance(sub, NoInit) and isinstance(sub, keraton.models.Functional)
    assert type(sub).__name__ == "NoInit"


def test_unexpected_kwarg():
    with pytest.raises(TypeError, match="bogus"):
        keraton.Sequential(bogus=1)


def test_to_json_and_model_from_json_subclassed():
    model = TwoLayer(hidden=5, out=3, name="tl")
    text = model.to_json()
    data = json.loads(text)
    assert data["class_name"] == "TwoLayer"
    assert data["config"] == {"name": "tl", "trainable": True, "hidden": 5, "out": 3}
    with pytest.raises(ValueError, match="TwoLayer"):
        keraton.models.model_from_json(text)
    clone = keraton.models.model_from_json(text, custom_objects={"TwoLayer": TwoLayer})
    assert isinstance(clone, TwoLayer)
    assert (clone.name, clone.hidden, clone.out) == ("tl", 5, 3)


def test_to_json_and_model_from_json_functional():
    x = keraton.Input((4,), name="x")
    y = layers.Dense(2, activation="sigmoid", name="y")(layers.Dense(3, name="h")(x))
    model = keraton.Model(x, y, name="fn")
    text = model.to_json(indent=2)
    assert "\n" in text  # json.dumps arguments are passed through
    data = json.loads(text)
    assert data["class_name"] == "Functional"
    clone = keraton.models.model_from_json(text)
    assert isinstance(clone, keraton.models.Functional) and clone.name == "fn"
    clone.set_weights(model.get_weights())
    v = torch.randn(3, 4)
    torch.testing.assert_close(clone(v), model(v))


def test_to_json_sequential_matches_keras_envelope():
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    ours = json.loads(keraton.Sequential([keraton.Input((2,)), layers.Dense(1)]).to_json())
    theirs = json.loads(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).to_json())
    assert set(ours) >= {"module", "class_name", "config", "registered_name"}
    assert (ours["module"], ours["class_name"]) == (theirs["module"], theirs["class_name"])
    assert set(ours["config"]) == set(theirs["config"])


def test_subclassed_weights_match_keras_order():
    keras = pytest.importorskip("keras")

    class KerasTwo(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense1 = keras.layers.Dense(4, activation="relu")
            self.dense2 = keras.layers.Dense(2)

        def call(self, x):
            return self.dense2(self.dense1(x))

    theirs = KerasTwo()
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    want = keras.ops.convert_to_numpy(theirs(x))
    ours = TwoLayer(hidden=4, out=2)
    ours.build((None, 5))
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(torch.tensor(x)).detach().numpy(), want, rtol=1e-5, atol=1e-6)
