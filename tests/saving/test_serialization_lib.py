"""Keras 3's serialization format: built-ins by name, classes by config, user objects by registry."""

import json

import pytest

import keraton
from keraton.saving import (
    custom_object_scope,
    deserialize_keras_object,
    register_keras_serializable,
    serialize_keras_object,
)


def test_builtin_functions_serialize_to_their_name():
    assert serialize_keras_object(keraton.activations.relu) == "relu"
    assert serialize_keras_object(keraton.losses.mse) == "mean_squared_error"


def test_objects_serialize_like_keras3():
    keras = pytest.importorskip("keras")
    ours = serialize_keras_object(keraton.initializers.GlorotUniform())
    theirs = keras.saving.serialize_keras_object(keras.initializers.GlorotUniform())
    assert ours == theirs
    dense = serialize_keras_object(keraton.layers.Dense(3, name="d"))
    assert dense["module"] == "keras.layers" and dense["class_name"] == "Dense"
    assert dense["registered_name"] is None
    json.dumps(dense)


def test_round_trip_of_a_layer():
    layer = keraton.layers.Dense(3, activation="relu", kernel_regularizer="l2", name="d")
    again = keraton.layers.deserialize(serialize_keras_object(layer))
    assert isinstance(again, keraton.layers.Dense)
    assert again.get_config() == layer.get_config()


def test_registered_and_scoped_custom_objects():
    @register_keras_serializable(package="Tests")
    class Twice(keraton.layers.Layer):
        def call(self, x):
            return 2 * x

    config = serialize_keras_object(Twice(name="t"))
    assert config["registered_name"] == "Tests>Twice"
    assert isinstance(keraton.layers.deserialize(config), Twice)

    class Local(keraton.layers.Layer):
        def call(self, x):
            return x

    local = serialize_keras_object(Local(name="l"))
    with pytest.raises(ValueError, match="custom_objects"):
        keraton.layers.deserialize(local)
    with custom_object_scope({"Local": Local}):
        assert isinstance(keraton.layers.deserialize(local), Local)
    assert isinstance(keraton.layers.deserialize(local, custom_objects={"Local": Local}), Local)


def test_registering_a_class_without_get_config_is_refused():
    with pytest.raises(ValueError, match="get_config"):
        register_keras_serializable()(type("NoConfig", (), {}))


def test_unknown_class_and_malformed_config():
    with pytest.raises(ValueError, match="Unknown layer 'Nope'"):
        keraton.layers.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="class_name"):
        deserialize_keras_object({"config": {}})


def test_unserializable_object_says_how_to_fix():
    with pytest.raises(TypeError, match="get_config"):
        serialize_keras_object(object())
