"""Keras 3 top-level and utility names that Keras 3 programs use, compared with real Keras."""

import numpy as np
import pytest
import torch

import keraton

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("name", ["Loss", "Metric", "Optimizer", "Initializer", "Regularizer",
                                  "DTypePolicy", "FloatDTypePolicy", "Layer", "Variable"])
def test_base_classes_at_top_level_subclass_as_in_keras(name):
    assert isinstance(getattr(keraton, name), type)
    assert hasattr(keras, name)


def test_custom_loss_and_metric_written_on_the_top_level_bases_train():
    class Halved(keraton.Loss):
        def call(self, y_true, y_pred):
            return 0.5 * keraton.ops.mean(keraton.ops.square(y_true - y_pred), axis=-1)

    class Total(keraton.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(keraton.ops.sum(y_pred))

        def result(self):
            return self.total

    model = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1, kernel_initializer="ones")])
    model.compile(keraton.optimizers.SGD(0.0), loss=Halved(), metrics=[Total(name="total")])
    logs = model.evaluate(np.ones((4, 2), "float32"), np.zeros((4, 1), "float32"), verbose=0,
                          return_dict=True)
    assert logs == pytest.approx({"loss": 2.0, "total": 8.0})


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "int8", "uint8", "int64", "bool"])
def test_dtype_predicates_match_keras(dtype):
    assert keraton.backend.is_float_dtype(dtype) == keras.backend.is_float_dtype(dtype)
    assert keraton.backend.is_int_dtype(dtype) == keras.backend.is_int_dtype(dtype)


@pytest.mark.parametrize("dtype", [None, "float32", "int", torch.float16, np.int64, "bool", int, bool,
                                   float, "string", np.dtype("int8"), "bfloat16"], ids=str)
def test_standardize_dtype_matches_keras(dtype):
    assert keraton.utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)
    assert keraton.backend.standardize_dtype(dtype) == keras.backend.standardize_dtype(dtype)
    assert isinstance(keraton.backend.standardize_dtype(dtype), str)


def test_get_uid_shares_the_layer_name_counters_as_keras():
    for lib in (keraton, keras):
        lib.backend.clear_session()
        lib.layers.Dense(1)
        assert lib.backend.get_uid("dense") == 2
        assert lib.layers.Dense(1).name == "dense_2"
        assert lib.backend.get_uid("fresh_prefix") == 1


def test_get_source_inputs_walks_back_to_the_inputs():
    def sources(lib):
        a, b = lib.Input((3,), name="a"), lib.Input((3,), name="b")
        c = lib.layers.Add()([lib.layers.Dense(3)(a), b])
        out = lib.layers.Dense(1)(lib.layers.Dense(2)(c))
        found = lib.utils.get_source_inputs(out)
        return [t is a for t in found], [t is b for t in found], lib.utils.get_source_inputs(a)[0] is a

    assert sources(keraton) == sources(keras) == ([True, False], [False, True], True)


def test_device_scope_places_new_tensors_and_weights():
    with keraton.device("cpu"):
        layer = keraton.layers.Dense(2)
        layer.build((None, 3))
        assert torch.zeros(1).device.type == "cpu"
    assert layer.kernel.device.type == "cpu"
    assert keraton.backend.device_scope("gpu:1") == torch.device("cuda:1")
    with pytest.raises(ValueError, match="device name"):
        keraton.device(3)


def test_dtype_policies_module_round_trips_like_keras():
    ours = keraton.dtype_policies.serialize("mixed_float16")
    theirs = keras.dtype_policies.serialize(keras.dtype_policies.get("mixed_float16"))
    assert ours == theirs
    assert keraton.dtype_policies.deserialize(theirs).name == "mixed_float16"


def test_saving_level_weights_functions_and_initializer_long_names(tmp_path):
    model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(2)])
    keraton.saving.save_weights(model, tmp_path / "m.weights.h5")
    other = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(2)])
    keraton.saving.load_weights(other, tmp_path / "m.weights.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert keraton.initializers.get("OrthogonalInitializer").__class__.__name__ == "Orthogonal"
    assert keraton.initializers.IdentityInitializer is keraton.initializers.Identity
    assert keraton.version() == keraton.__version__


# Keras 3 public names keraton does not have yet (none since session 13).
_NOT_YET: set = set()


def _public_names(module, path, seen):
    """Every public ``path.name`` under a Keras API module, recursing into its API submodules."""
    import types

    if id(module) in seen:
        return
    seen.add(id(module))
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        full = f"{path}.{name}"
        if isinstance(obj, types.ModuleType):
            if ".src" in obj.__name__ or not obj.__name__.startswith("keras"):
                continue  # implementation modules and third-party imports are not API
            yield full, True
            yield from _public_names(obj, full, seen)
        else:
            yield full, False


def test_every_public_keras3_name_exists_in_keraton():
    import importlib

    missing = []
    for full, is_module in _public_names(keras, "keras", set()):
        if any(full == gap or full.startswith(gap + ".") for gap in _NOT_YET):
            continue
        module_path, _, name = ("keraton" + full[len("keras"):]).rpartition(".")
        if is_module:
            try:
                importlib.import_module(f"{module_path}.{name}")
            except ImportError:
                missing.append(full)
            continue
        try:
            if not hasattr(importlib.import_module(module_path), name):
                missing.append(full)
        except ImportError:
            missing.append(full)
    assert missing == []
