"""Model.get_compile_config / compile_from_config and the compile_config of serialized models,
against real Keras 3."""

import json

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def _model(ns, compiled=True):
    model = ns.Sequential([ns.Input((2,)), ns.layers.Dense(1)])
    if compiled:
        model.compile(ns.optimizers.Adam(0.01), "mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("compiled", [False, True])
def test_get_compile_config_matches_keras(compiled):
    ours, theirs = _model(keraton, compiled).get_compile_config(), \
        _model(keras, compiled).get_compile_config()
    assert sorted(ours) == sorted(theirs)
    if compiled:
        assert ours["optimizer"]["config"]["learning_rate"] == pytest.approx(
            theirs["optimizer"]["config"]["learning_rate"])
        assert ours["loss"] == theirs["loss"] and ours["metrics"] == theirs["metrics"]


@pytest.mark.parametrize("compiled", [False, True])
def test_serialized_model_carries_its_compile_config(compiled):
    for ns in (keraton, keras):
        entry = ns.saving.serialize_keras_object(_model(ns, compiled))
        assert (entry["compile_config"] != {}) == compiled
        assert "compile_config" in json.loads(_model(ns, compiled).to_json())


def test_model_from_json_and_deserialize_come_back_compiled_as_keras():
    for ns in (keraton, keras):
        source = _model(ns)
        for clone in (ns.models.model_from_json(source.to_json()),
                      ns.saving.deserialize_keras_object(ns.saving.serialize_keras_object(source))):
            assert clone.compiled
            assert type(clone.optimizer).__name__ == "Adam"
            assert float(clone.optimizer.learning_rate) == pytest.approx(0.01)


def test_compile_from_config_compiles_and_builds_the_optimizer():
    source = _model(keraton)
    target = _model(keraton, compiled=False)
    target.compile_from_config(source.get_compile_config())
    assert target.compiled and target.optimizer.built
    logs = target.evaluate(np.ones((4, 2)), np.zeros((4, 1)), verbose=0, return_dict=True)
    assert sorted(logs) == ["loss", "mae"]


def test_load_model_with_compile_false_stays_uncompiled(tmp_path):
    _model(keraton).save(tmp_path / "m.keras")
    assert not keraton.models.load_model(tmp_path / "m.keras", compile=False).compiled
    assert keraton.models.load_model(tmp_path / "m.keras").compiled
