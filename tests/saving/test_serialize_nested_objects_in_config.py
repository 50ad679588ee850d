"""Objects held in a layer's ``get_config()`` are serialized too, as Keras 3's ``serialize_dict`` does.

keras.io's "Customizing Saving and Serialization" guide keeps layers in a custom
layer's config; Keras 3 serializes them to dicts, so ``from_config`` receives
dicts (and deserializes them itself) and the config is JSON-writable.
"""

import json

import numpy as np
import pytest

import keraton


def _make_classes(lib):
    @lib.saving.register_keras_serializable(package="NestedCfgTest")
    class Holder(lib.layers.Layer):
        def __init__(self, inner, pair=(2, 3), init=None, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner
            self.pair = pair
            self.init = init

        def get_config(self):
            config = super().get_config()
            config.update({"inner": self.inner, "pair": self.pair, "init": self.init})
            return config

        @classmethod
        def from_config(cls, config):
            config["inner"] = lib.layers.deserialize(config["inner"])
            config["init"] = lib.initializers.deserialize(config["init"])
            return cls(**config)

        def call(self, x):
            return self.inner(x)

    return Holder


def _serialize(lib):
    holder = _make_classes(lib)
    layer = holder(lib.layers.Dropout(0.25, name="inner_drop"),
                   init=lib.initializers.Constant(0.5), name="holder")
    return layer, lib.layers.serialize(layer)


def test_nested_layer_in_config_is_serialized():
    _, config = _serialize(keraton)
    inner = config["config"]["inner"]
    assert isinstance(inner, dict)
    assert inner["class_name"] == "Dropout" and inner["module"] == "keras.layers"
    assert inner["config"]["rate"] == 0.25 and inner["config"]["name"] == "inner_drop"
    assert config["config"]["init"] == {"module": "keras.initializers", "class_name": "Constant",
                                        "config": {"value": 0.5}, "registered_name": None}
    assert config["config"]["pair"] == (2, 3)  # tuples stay tuples, as in Keras
    json.dumps(config)


def test_matches_keras3_serialized_config():
    keras = pytest.importorskip("keras")
    _, ours = _serialize(keraton)
    _, theirs = _serialize(keras)
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))


def test_model_from_config_gets_dicts_and_rebuilds_new_layers():
    holder_cls = _make_classes(keraton)
    inputs = keraton.Input((4,))
    inner = keraton.layers.Dense(3)
    model = keraton.Model(inputs, holder_cls(inner)(inputs))
    model.set_weights([np.arange(12, dtype="float32").reshape(4, 3) / 10, np.ones(3, "float32")])
    new_model = keraton.Model.from_config(model.get_config())
    new_inner = new_model.layers[1].inner
    assert isinstance(new_inner, keraton.layers.Dense) and new_inner is not inner
    new_model.set_weights(model.get_weights())
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(new_model.predict(x, verbose=0), [[2.8, 3.2, 3.6]] * 2, rtol=1e-6)


def test_default_from_config_receives_dicts():
    @keraton.saving.register_keras_serializable(package="NestedCfgTest")
    class Plain(keraton.layers.Layer):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

        def get_config(self):
            return {**super().get_config(), "inner": self.inner}

    restored = keraton.layers.deserialize(keraton.layers.serialize(Plain(keraton.layers.Dense(2))))
    assert isinstance(restored.inner, dict) and restored.inner["class_name"] == "Dense"
