"""Tests of keraton.optimizers (package): get, serialize, deserialize."""

import pytest

import keraton.optimizers as optimizers
from keraton.optimizers import SGD, Adam, Optimizer


@pytest.mark.parametrize("name, cls", [
    ("adam", "Adam"), ("Adam", "Adam"), ("SGD", "SGD"), ("sgd", "SGD"), ("rmsprop", "RMSprop"),
    ("RMSprop", "RMSprop"), ("adagrad", "Adagrad"), ("adadelta", "Adadelta"),
    ("adamax", "Adamax"), ("nadam", "Nadam"), ("adamw", "AdamW"), ("AdamW", "AdamW"),
    ("lion", "Lion"), ("ftrl", "Ftrl"), ("Ftrl", "Ftrl"), ("lamb", "Lamb"),
    ("adafactor", "Adafactor"),
])
def test_get_by_name(name, cls):
    opt = optimizers.get(name)
    assert type(opt).__name__ == cls
    assert opt.get_config() == {**getattr(optimizers, cls)(name=opt.name).get_config()}


def test_get_unknown_name_suggests_closest():
    with pytest.raises(ValueError, match=r"Unknown optimizer 'adamm'.*Did you mean 'adam"):
        optimizers.get("adamm")


def test_get_instance_dict_class_and_none():
    opt = Adam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    assert isinstance(optimizers.get(SGD), SGD)
    from_dict = optimizers.get(optimizers.serialize(Adam(learning_rate=0.2)))
    assert isinstance(from_dict, Adam) and float(from_dict.learning_rate) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)


def test_serialize_matches_keras_format(keras):
    ours = optimizers.serialize(Adam(learning_rate=0.5))
    theirs = keras.optimizers.serialize(keras.optimizers.Adam(learning_rate=0.5))
    assert set(ours) == set(theirs)
    # Keras on torch names its backend subclass as module; the public module is the portable one.
    assert (ours["module"], ours["class_name"], ours["registered_name"]) == (
        "keras.optimizers", theirs["class_name"], None)
    assert list(ours["config"]) == list(theirs["config"])


def test_deserialize_keras_output_case_insensitively(keras):
    config = keras.optimizers.serialize(keras.optimizers.RMSprop(learning_rate=0.5, momentum=0.2))
    opt = optimizers.deserialize(config)
    assert type(opt).__name__ == "RMSprop" and opt.momentum == pytest.approx(0.2)
    lower = optimizers.deserialize({"class_name": "sgd", "config": {"learning_rate": 0.3}})
    assert isinstance(lower, SGD) and float(lower.learning_rate) == pytest.approx(0.3)


def test_deserialize_custom_optimizer():
    class MySGD(SGD):
        pass

    config = optimizers.serialize(MySGD(learning_rate=0.1))
    opt = optimizers.deserialize(config, custom_objects={"MySGD": MySGD})
    assert isinstance(opt, MySGD)
    with pytest.raises(ValueError, match="MySGD"):
        optimizers.deserialize(config)


def test_public_names():
    for name in optimizers.__all__:
        assert hasattr(optimizers, name)
    assert issubclass(optimizers.AdamW, Optimizer)
