"""tf.keras 2 HDF5 files: whole models and weights, checked against real Keras 3 and by hand.

The ``tests/fixtures/tf2_*.h5`` files are written by
``tests/fixtures/make_tf2_h5_fixtures.py`` in tf.keras 2's layout (TensorFlow
is not installed here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import keraton

keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RNG = np.random.default_rng(0)
X = {"tf2_sequential": RNG.normal(size=(3, 4)).astype("float32"),
     "tf2_functional": [RNG.normal(size=(3, 4)).astype("float32"),
                        RNG.normal(size=(3, 2)).astype("float32")],
     "tf2_lstm": RNG.integers(0, 12, size=(3, 6)).astype("int32")}


def _weights_in_file(path, layer):
    with h5py.File(path, "r") as f:
        g = f["model_weights"][layer]
        return [np.asarray(g[n.decode()]) for n in g.attrs["weight_names"]]


def test_tf2_sequential_by_hand():
    path = FIXTURES / "tf2_sequential.h5"
    model = keraton.models.load_model(path)
    k0, b0 = _weights_in_file(path, "dense")
    k1, b1 = _weights_in_file(path, "dense_1")
    x = X["tf2_sequential"]
    expected = np.maximum(x @ k0 + b0, 0) @ k1 + b1  # Dropout is off at inference
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
    # training_config: loss, 'acc' (kept, so logs say 'acc' as in tf.keras 2), Adam from its Keras 2 config.
    assert model.compiled and model.loss == "mse"
    assert model._compile_metrics._metrics_arg == ["acc"]
    assert type(model.optimizer).__name__ == "Adam"


@pytest.mark.parametrize("name", ["tf2_sequential", "tf2_functional"])
def test_tf2_files_predict_as_keras3_loads_them(name):
    path = FIXTURES / f"{name}.h5"
    km = keras.saving.load_model(path, compile=False)
    model = keraton.models.load_model(path)
    np.testing.assert_allclose(model.predict(X[name], verbose=0), km.predict(X[name], verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_tf2_model_class_with_time_major_and_input_length():
    # Keras 3 refuses this file (time_major); the oracle is Keras 3 with the file's weights.
    path = FIXTURES / "tf2_lstm.h5"
    model = keraton.models.load_model(path)
    assert model._compile_metrics._metrics_arg == ["acc"]
    keras.backend.clear_session()
    tokens = keras.Input((6,), dtype="int32")
    h = keras.layers.LSTM(3)(keras.layers.Embedding(12, 4)(tokens))
    km = keras.Model(tokens, keras.layers.Dense(1, activation="sigmoid")(h))
    km.set_weights(sum((_weights_in_file(path, n) for n in ("embedding", "lstm", "dense")), []))
    x = X["tf2_lstm"]
    np.testing.assert_allclose(model.predict(x, verbose=0), km.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


def _functional():
    a, b = keraton.Input((4,), name="a"), keraton.Input((2,), name="b")
    x = keraton.layers.Concatenate()([keraton.layers.Dense(3, activation="relu")(a), b])
    return keraton.Model([a, b], keraton.layers.Dense(2)(keraton.layers.Dropout(0.1)(x)))


def _sequential():
    return keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(3, activation="relu"),
                               keraton.layers.Dense(1)])


@pytest.mark.parametrize("make,x", [(_sequential, X["tf2_sequential"]),
                                    (_functional, X["tf2_functional"])])
def test_save_h5_reads_in_keras3_and_keraton(make, x, tmp_path):
    model = make()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    path = str(tmp_path / "m.h5")
    model.save(path)
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(keras.saving.load_model(path, compile=False).predict(x, verbose=0),
                               expected, rtol=1e-5, atol=1e-6)
    again = keraton.models.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-6)
    assert again.loss == "mse" and again._compile_metrics._metrics_arg == ["mae"]
    with h5py.File(path, "r") as f:  # tf.keras 2's layout
        config = json.loads(f.attrs["model_config"])
        assert f.attrs["backend"] in (b"tensorflow", "tensorflow")
        assert json.loads(f.attrs["training_config"])["optimizer_config"]["class_name"] == "Custom>Adam"  # as tf.keras 2.15
        names = [n.decode() for n in f["model_weights"].attrs["layer_names"]]
        assert names == [layer.name for layer in model.layers]
        first_dense = [n for n in names if n.startswith("dense")][0]
        assert [n.decode() for n in f["model_weights"][first_dense].attrs["weight_names"]] == \
            [f"{first_dense}/kernel:0", f"{first_dense}/bias:0"]
    layers = config["config"]["layers"]
    assert layers[0]["class_name"] == "InputLayer" and layers[0]["config"]["batch_input_shape"][1:] == [4]
    assert layers[0]["config"]["dtype"] == "float32" and "module" not in layers[1]
    if config["class_name"] == "Functional":
        concat = [entry for entry in layers if entry["class_name"] == "Concatenate"][0]
        assert concat["inbound_nodes"] == [[["dense", 0, 0, {}], ["b", 0, 0, {}]]]


def test_legacy_weights_both_directions_with_keras3(tmp_path):
    keras.backend.clear_session()
    km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                           keras.layers.Dense(1)])
    km.save(str(tmp_path / "k.h5"))  # Keras 3's legacy whole-model file
    model = _sequential()
    model.load_weights(str(tmp_path / "k.h5"))
    x = X["tf2_sequential"]
    np.testing.assert_allclose(model.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    fresh = _sequential()
    fresh.save_weights(str(tmp_path / "t.h5"))
    km.load_weights(str(tmp_path / "t.h5"))
    np.testing.assert_allclose(km.predict(x, verbose=0), fresh.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_by_name_and_skip_mismatch(tmp_path):
    source = _sequential()  # dense (4->3), dense_1 (3->1)
    source.save_weights(str(tmp_path / "w.h5"))
    keraton.backend.clear_session()
    target = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(3, name="dense"),
                                 keraton.layers.Dense(2, name="other"),
                                 keraton.layers.Dense(1, name="dense_1")])
    before = target.get_weights()
    with pytest.raises(ValueError, match=r"layer 'dense_1'.*shape \(2, 1\).*\(3, 1\)"):
        target.load_weights(str(tmp_path / "w.h5"), by_name=True)
    for a, b in zip(target.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # nothing assigned from a refused file
    with pytest.warns(UserWarning, match="dense_1"):
        target.load_weights(str(tmp_path / "w.h5"), by_name=True, skip_mismatch=True)
    after = target.get_weights()
    np.testing.assert_array_equal(after[0], source.get_weights()[0])  # 'dense' loaded by name
    np.testing.assert_array_equal(after[2], before[2])  # 'other' is not in the file
    np.testing.assert_array_equal(after[4], before[4])  # 'dense_1' skipped
    with pytest.raises(ValueError, match="Layer count mismatch"):
        target.load_weights(str(tmp_path / "w.h5"))


def test_weights_only_file_is_not_a_model(tmp_path):
    _sequential().save_weights(str(tmp_path / "w.h5"))
    with pytest.raises(ValueError, match="weights-only"):
        keraton.models.load_model(str(tmp_path / "w.h5"))


def test_nested_model_weights_travel_as_one_layer(tmp_path):
    inner = keraton.Sequential([keraton.layers.Dense(3), keraton.layers.Dense(2)])
    model = keraton.Sequential([keraton.Input((4,)), inner, keraton.layers.Dense(1)])
    model.save(str(tmp_path / "n.h5"))
    loaded = keraton.models.load_model(str(tmp_path / "n.h5"))
    x = torch.from_numpy(X["tf2_sequential"])
    np.testing.assert_allclose(loaded(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    km = keras.saving.load_model(str(tmp_path / "n.h5"), compile=False)
    np.testing.assert_allclose(km.predict(x.numpy(), verbose=0), model(x).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_keras2_hard_sigmoid_loads_as_keras3_with_a_warning():
    """tf.keras 2's hard_sigmoid was clip(0.2x + 0.5); Keras 3's is relu6(x + 3) / 6: say so."""
    from keraton.saving.legacy_config import from_keras2

    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3, 2], "name": "in"}},
        {"class_name": "LSTM", "config": {"name": "lstm", "units": 2,
                                          "recurrent_activation": "hard_sigmoid"}}]}}
    with pytest.warns(UserWarning, match="'lstm'.*recurrent_activation='hard_sigmoid'.*0.2 \\* x"):
        converted = from_keras2(config)
    assert converted["config"]["layers"][1]["config"]["recurrent_activation"] == "hard_sigmoid"
