"""Ops on symbolic tensors are saved as Keras 3 ``Operation`` nodes; files go both ways."""

import json

import numpy as np
import pytest

import keraton
from keraton.layers.core.operation_layer import OperationLayer

keras = pytest.importorskip("keras")


def _build(lib):
    i = lib.Input((3, 4), name="x")
    j = lib.Input((3,), name="y")
    h = i[..., None, 1:3] * 2.0 + 1
    h = lib.ops.reshape(-h, (-1, 6))
    h = lib.ops.concatenate([h, lib.ops.expand_dims(j, -1)[:, :, 0] / 3.0], axis=-1)
    h = lib.ops.mean(lib.ops.stack([h, lib.ops.square(h)], axis=1), axis=1)
    h = lib.layers.Dense(4)(h)
    o = lib.ops.softmax(lib.ops.tanh(h) - 0.5, axis=-1)
    return lib.Model([i, j], o)


def _data():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(5, 3, 4)).astype("float32"),
            rng.normal(size=(5, 3)).astype("float32")]


def _pair():
    theirs, ours = _build(keras), _build(keraton)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    return theirs, ours


def test_config_layers_are_kerass_operation_entries():
    keras.backend.clear_session()  # Keras's own name counters (dense vs dense_3)
    theirs, ours = _pair()
    strip = {"registered_name", "build_config"}
    mine = [{k: v for k, v in e.items() if k not in strip} for e in ours.get_config()["layers"]]
    ref = [{k: v for k, v in e.items() if k not in strip} for e in theirs.get_config()["layers"]]
    ops = [e for e in mine if e["module"].startswith("keras.src.ops")]
    assert [e["class_name"] for e in ops] == [
        e["class_name"] for e in ref if e["module"].startswith("keras.src.ops")]
    assert json.loads(json.dumps(ops)) == json.loads(json.dumps(
        [e for e in ref if e["module"].startswith("keras.src.ops")]))
    # as in Keras, operation nodes are in the config but not in model.layers
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]


def test_predictions_match_keras_and_survive_from_config():
    theirs, ours = _pair()
    x = _data()
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    config = json.loads(json.dumps(ours.get_config()))
    rebuilt = keraton.Model.from_config(config)
    rebuilt.set_weights(ours.get_weights())
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-6)


def test_keras_files_with_ops_load_in_keraton_and_back(tmp_path):
    theirs, ours = _pair()
    x = _data()
    theirs.save(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    loaded_by_us = keraton.models.load_model(tmp_path / "theirs.keras")
    loaded_by_keras = keras.models.load_model(tmp_path / "ours.keras")
    expected = theirs.predict(x, verbose=0)
    np.testing.assert_allclose(loaded_by_us.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded_by_keras.predict(x, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)


def test_summary_shows_kerass_operation_class_names(capsys):
    _build(keraton).summary()
    out = capsys.readouterr().out
    for name in ("(GetItem)", "(Multiply)", "(Reshape)", "(Concatenate)", "(Softmax)"):
        assert name in out


def test_unknown_operation_class_says_so():
    with pytest.raises(ValueError, match="'NotAnOp'"):
        OperationLayer.from_keras_entry(
            {"module": "keras.src.ops.numpy", "class_name": "NotAnOp", "config": {}})
