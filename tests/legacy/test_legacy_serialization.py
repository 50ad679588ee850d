"""``keras.legacy.saving`` / ``keras.utils.legacy``: tf.keras 2's object format, against real Keras 3.

Every object is built once with Keras and once with keraton; the legacy dicts
must be equal, and each library must load the dicts Keras wrote into objects
with equal configs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import keraton
import keraton.legacy.saving.serialization as kt_serialization
from keraton.legacy import saving as kt_legacy_saving
from keraton.utils import legacy as kt_utils_legacy

keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")
from keras.src.legacy.saving import serialization as keras_serialization  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def double(x):
    return 2 * x


def _custom_classes(lib):
    """A registered layer and a registered plain class that keeps objects in its config."""

    @lib.saving.register_keras_serializable(package="LegacyTest")
    class Scale(lib.layers.Layer):
        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @lib.saving.register_keras_serializable(package="LegacyTest")
    class Holder:
        def __init__(self, init, fn, sizes, tag="t"):
            self.init, self.fn, self.sizes, self.tag = init, fn, sizes, tag

        def get_config(self):
            return {"init": self.init, "fn": self.fn, "sizes": self.sizes, "tag": self.tag}

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    return {"Scale": Scale, "Holder": Holder}


CUSTOM = {"keras": _custom_classes(keras), "keraton": _custom_classes(keraton)}


def _lib_name(lib):
    return "keras" if lib is keras else "keraton"


# name -> (make(lib), module_objects(lib), custom_objects(lib))
CASES = {
    "dense": (lambda lib: lib.layers.Dense(3, activation="relu", name="d",
                                           kernel_initializer=lib.initializers.HeNormal(seed=1),
                                           kernel_regularizer=lib.regularizers.L2(0.1)),
              lambda lib: vars(lib.layers), lambda lib: None),
    "dense_custom_activation": (lambda lib: lib.layers.Dense(2, activation=double, name="dc"),
                                lambda lib: vars(lib.layers), lambda lib: {"double": double}),
    "adam": (lambda lib: lib.optimizers.Adam(0.01), lambda lib: vars(lib.optimizers), lambda lib: None),
    "loss": (lambda lib: lib.losses.MeanSquaredError(), lambda lib: vars(lib.losses), lambda lib: None),
    "metric": (lambda lib: lib.metrics.AUC(num_thresholds=50), lambda lib: vars(lib.metrics),
               lambda lib: None),
    "initializer": (lambda lib: lib.initializers.GlorotUniform(seed=3),
                    lambda lib: vars(lib.initializers), lambda lib: None),
    "none": (lambda lib: None, lambda lib: {}, lambda lib: None),
    "registered_layer": (lambda lib: CUSTOM[_lib_name(lib)]["Scale"](factor=2.5, name="s"),
                         lambda lib: {}, lambda lib: None),
    "passive_objects": (lambda lib: CUSTOM[_lib_name(lib)]["Holder"](
                            lib.initializers.RandomNormal(stddev=0.5, seed=2), double, [2, 3]),
                        lambda lib: vars(lib.initializers), lambda lib: {"double": double}),
    "sequential": (lambda lib: lib.Sequential([lib.Input((4,), name="inp"), lib.layers.Dense(2, name="dd")],
                                              name="seq"),
                   lambda lib: {"Sequential": lib.Sequential}, lambda lib: None),
}


def _json(value):
    return json.loads(json.dumps(value, default=repr))


def _describe(obj):
    """What must agree between Keras's and keraton's loaded objects."""
    if obj is None or callable(obj) and not hasattr(obj, "get_config"):
        return obj if obj is None else obj.__name__
    config = obj.get_config()
    return _json({k: _describe(v) if hasattr(v, "get_config") or callable(v) else v
                  for k, v in config.items()})


def test_public_modules_share_the_functions():
    assert kt_utils_legacy.serialize_keras_object is kt_legacy_saving.serialize_keras_object
    assert kt_utils_legacy.deserialize_keras_object is kt_legacy_saving.deserialize_keras_object


@pytest.mark.parametrize("case", CASES)
def test_serialized_dict_equals_keras(case):
    keras.backend.clear_session()  # automatic names ("adam") count per library since its last reset
    keraton.backend.clear_session()
    make = CASES[case][0]
    expected = keras.legacy.saving.serialize_keras_object(make(keras))
    got = kt_legacy_saving.serialize_keras_object(make(keraton))
    assert _json(got) == _json(expected)
    if expected is not None:
        assert set(got) == {"class_name", "config"}


@pytest.mark.parametrize("case", CASES)
def test_loads_the_dicts_keras_wrote(case):
    make, module_objects, custom_objects = CASES[case]
    config = _json(keras.legacy.saving.serialize_keras_object(make(keras)))
    expected = keras.legacy.saving.deserialize_keras_object(
        _json(config), module_objects(keras), custom_objects(keras))
    got = kt_utils_legacy.deserialize_keras_object(_json(config), module_objects(keraton), custom_objects(keraton))
    if expected is not None:
        assert type(got).__name__ == type(expected).__name__
    assert _describe(got) == _describe(expected)


@pytest.mark.parametrize("case", CASES)
def test_round_trip(case):
    make, module_objects, custom_objects = CASES[case]
    first = kt_legacy_saving.serialize_keras_object(make(keraton))
    loaded = kt_legacy_saving.deserialize_keras_object(
        _json(first), module_objects(keraton), custom_objects(keraton))
    assert _json(kt_legacy_saving.serialize_keras_object(loaded)) == _json(first)


def test_functions_by_name():
    relu = keraton.activations.relu
    assert kt_legacy_saving.serialize_keras_object(relu) == keras.legacy.saving.serialize_keras_object(
        keras.activations.relu) == "relu"
    assert kt_legacy_saving.deserialize_keras_object("relu", vars(keraton.activations)) is relu
    assert kt_legacy_saving.deserialize_keras_object(relu) is relu
    # a name of a class gives an instance built with no arguments
    zeros = kt_legacy_saving.deserialize_keras_object("Zeros", vars(keraton.initializers))
    assert isinstance(zeros, keraton.initializers.Zeros)


def test_class_name_is_the_python_name():
    # Keras's legacy format writes the class's Python name, not its exported alias
    expected = keras.legacy.saving.serialize_keras_object(keras.layers.GroupQueryAttention(4, 2, 1))
    got = kt_legacy_saving.serialize_keras_object(keraton.layers.GroupQueryAttention(4, 2, 1))
    assert got["class_name"] == expected["class_name"] == "GroupedQueryAttention"


def _unserializable():
    return object()


@pytest.mark.parametrize("value", [3, "abc", [1, 2], _unserializable])
def test_serialize_errors(value):
    value = value() if callable(value) else value
    with pytest.raises(ValueError, match="get_config"):
        keras.legacy.saving.serialize_keras_object(value)
    with pytest.raises(ValueError, match="get_config"):
        kt_legacy_saving.serialize_keras_object(value)


@pytest.mark.parametrize("identifier, kwargs, match", [
    (3, {}, "Could not interpret serialized object: 3"),
    ([1], {"printable_module_name": "layer"}, r"Could not interpret serialized layer: \[1\]"),
    ({"config": {}}, {}, "Improper config format"),
    ({"class_name": "Dense"}, {}, "Improper config format"),
    ({"class_name": "Dense", "config": {}}, {}, "Unknown object: 'Dense'"),
    ({"class_name": "Foo", "config": {}}, {"printable_module_name": "layer"}, "Unknown layer: 'Foo'"),
])
def test_deserialize_errors(identifier, kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.legacy.saving.deserialize_keras_object(identifier, module_objects={}, **kwargs)
    with pytest.raises(ValueError, match=match):
        kt_legacy_saving.deserialize_keras_object(identifier, module_objects={}, **kwargs)


def test_unknown_name_error():
    # Keras 3.15.1 fails here with an AttributeError (it reads a registry attribute
    # Keras 3 no longer has); keraton raises tf.keras 2's ValueError.
    with pytest.raises(ValueError, match="Unknown activation: 'nope'"):
        kt_legacy_saving.deserialize_keras_object("nope", {}, printable_module_name="activation")


@pytest.mark.parametrize("lib, mod", [(keras, keras_serialization), (keraton, kt_serialization)])
def test_shared_objects(lib, mod):
    init = lib.initializers.Ones()
    with mod.SharedObjectSavingScope():
        first = mod.serialize_keras_object(init)
        second = mod.serialize_keras_object(init)
        other = mod.serialize_keras_object(lib.initializers.Zeros())
    assert first is second
    assert _json(first) == {"class_name": "Ones", "config": {}, "shared_object_id": 0}
    assert _json(other) == {"class_name": "Zeros", "config": {}}
    module_objects = vars(lib.initializers)
    with mod.SharedObjectLoadingScope():
        a = mod.deserialize_keras_object(_json(first), module_objects)
        b = mod.deserialize_keras_object(_json(second), module_objects)
    assert a is b
    assert mod.deserialize_keras_object(_json(first), module_objects) is not a


@pytest.mark.parametrize("lib, mod", [(keras, keras_serialization), (keraton, kt_serialization)])
def test_skip_failed_serialization(lib, mod):
    class NoConfig(lib.layers.Layer):
        def get_config(self):
            raise NotImplementedError

    with pytest.raises(NotImplementedError):
        mod.serialize_keras_object(NoConfig())
    with mod.skip_failed_serialization():
        config = mod.serialize_keras_object(NoConfig())
    assert config == {"class_name": "NoConfig", "config": {"layer was saved without config": True}}


def _weight_count(path):
    with h5py.File(path, "r") as f:
        sizes = []
        f["model_weights"].visititems(lambda _, v: sizes.append(v.size) if isinstance(v, h5py.Dataset) else None)
    return sum(sizes)


@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")
@pytest.mark.parametrize("name", ["tf2_sequential", "tf2_functional", "tf2_lstm"])
def test_tf2_model_configs(name):
    """tf.keras 2 ``model_config``s load as Keras loads them (Keras 3.15.1 rejects the LSTM's
    ``time_major``; keraton drops it at its default), with the weights the file holds."""
    path = FIXTURES / f"{name}.h5"
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
    model = kt_legacy_saving.deserialize_keras_object(
        config, {"Sequential": keraton.Sequential, "Functional": keraton.Model, "Model": keraton.Model})
    assert model.count_params() == _weight_count(path)
    if name != "tf2_lstm":
        expected = keras.legacy.saving.deserialize_keras_object(
            json.loads(json.dumps(config)), {"Sequential": keras.Sequential, "Functional": keras.Model, "Model": keras.Model})
        assert [layer.name for layer in model.layers] == [layer.name for layer in expected.layers]
        assert model.count_params() == expected.count_params()
