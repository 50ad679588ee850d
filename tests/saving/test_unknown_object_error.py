"""A config naming an unknown class raises an error both Keras 3 (TypeError) and tf.keras 2 (ValueError) code catch."""

import json

import pytest

import keraton
from keraton.saving.serialization_lib import UnknownObjectError

keras = pytest.importorskip("keras")


def _model_json_with_unknown_layer(lib):
    inputs = lib.Input((3,))
    model = lib.Model(inputs, lib.layers.Dense(2, name="head")(inputs))
    config = json.loads(model.to_json())
    for layer in config["config"]["layers"]:
        if layer["config"]["name"] == "head":
            layer["class_name"] = "NoSuchLayer"
            layer["module"] = None
            layer["registered_name"] = "NoSuchLayer"
    return json.dumps(config)


@pytest.mark.parametrize("load", [
    lambda lib, text: lib.models.model_from_json(text),
    lambda lib, text: lib.saving.deserialize_keras_object(json.loads(text)),
], ids=["model_from_json", "deserialize_keras_object"])
def test_unknown_layer_raises_what_keras_3_and_keras_2_code_catch(load):
    text = _model_json_with_unknown_layer(keras)
    with pytest.raises(TypeError):
        load(keras, text)  # Keras 3's exception type
    with pytest.raises(TypeError, match="NoSuchLayer") as caught:
        load(keraton, text)
    assert isinstance(caught.value, ValueError)  # tf.keras 2's type, caught too
    assert isinstance(caught.value, UnknownObjectError)
    assert "register_keras_serializable" in str(caught.value)
