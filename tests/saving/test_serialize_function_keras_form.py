"""Custom functions serialize in Keras 3.15's form and load back.

Keras writes ``{"module": "builtins", "class_name": "function", "config":
"<registered name>", "registered_name": "function"}`` (keras.io's serialization
guide: ``Dense(1, activation=custom_fn)`` with ``custom_fn`` registered as
``my_package>custom_fn``).
"""

import keraton
from keraton.saving import deserialize_keras_object, serialize_keras_object


def test_registered_function_form_and_round_trip():
    @keraton.saving.register_keras_serializable(package="test_pkg", name="square_fn")
    def square(x):
        return x**2

    try:
        config = serialize_keras_object(square)
        assert config == {"module": "builtins", "class_name": "function",
                          "config": "test_pkg>square_fn", "registered_name": "function"}
        assert deserialize_keras_object(config) is square
    finally:
        keraton.saving.get_custom_objects().pop("test_pkg>square_fn", None)


def test_unregistered_function_loads_with_custom_objects():
    def cube(x):
        return x**3

    config = serialize_keras_object(cube)
    assert config["config"] == "cube" and config["registered_name"] == "function"
    assert deserialize_keras_object(config, custom_objects={"cube": cube}) is cube


def test_earlier_keraton_form_still_loads():
    def cube(x):
        return x**3

    old = {"module": "__main__", "class_name": "function", "config": "cube",
           "registered_name": "cube"}
    assert deserialize_keras_object(old, custom_objects={"cube": cube}) is cube
