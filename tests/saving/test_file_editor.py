"""keras.saving.KerasFileEditor against real Keras 3's editor on the same files."""

import numpy as np
import pytest

import keraton
from keraton.saving import KerasFileEditor

keras = pytest.importorskip("keras")


def _mlp(ns, last_units=3):
    return ns.Sequential([ns.Input((5,)), ns.layers.Dense(4, name="a"),
                          ns.layers.BatchNormalization(), ns.layers.Dense(last_units, name="b")])


def _flat(weights, prefix=""):
    out = {}
    for key, value in weights.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}/{key}"))
        else:
            out[f"{prefix}/{key}"] = np.asarray(value)
    return out


@pytest.mark.parametrize("filename", ["m.keras", "m.weights.h5"])
def test_reads_the_same_weights_and_names_as_keras(tmp_path, filename):
    model = _mlp(keraton)
    path = str(tmp_path / filename)
    model.save(path) if filename.endswith(".keras") else model.save_weights(path)
    ours, theirs = KerasFileEditor(path), keras.saving.KerasFileEditor(path)
    got, expected = _flat(ours.weights_dict), _flat(theirs.weights_dict)
    assert sorted(got) == sorted(expected) == [
        "/layers/batch_normalization/0", "/layers/batch_normalization/1",
        "/layers/batch_normalization/2", "/layers/batch_normalization/3",
        "/layers/dense/0", "/layers/dense/1", "/layers/dense_1/0", "/layers/dense_1/1"]
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])
    assert ours.object_metadata == theirs.object_metadata
    assert (ours.config is None) == filename.endswith(".h5")
    if ours.config is not None:
        assert ours.config == theirs.config and ours.metadata == theirs.metadata


def test_summary_prints_the_tree_with_object_names(tmp_path, capsys):
    _mlp(keraton).save_weights(tmp_path / "m.weights.h5")
    KerasFileEditor(str(tmp_path / "m.weights.h5")).summary()
    out = capsys.readouterr().out
    assert "      ├─ dense ('a')\n      │   ├─ 0: shape=(5, 4), dtype=float32\n" in out
    assert "      └─ dense_1 ('b')\n" in out


@pytest.mark.parametrize("last_units, status, errors", [(3, "success", 0), (2, "error", 2)])
def test_compare_reports_as_keras(tmp_path, last_units, status, errors):
    _mlp(keraton).save_weights(tmp_path / "m.weights.h5")
    path = str(tmp_path / "m.weights.h5")
    ours = KerasFileEditor(path).compare(_mlp(keraton, last_units))
    theirs = keras.saving.KerasFileEditor(path).compare(_mlp(keras, last_units))
    assert (ours["status"], ours["error_count"]) == (theirs["status"], theirs["error_count"])
    assert (ours["status"], ours["error_count"]) == (status, errors)
    assert ours["match_count"] == 8 - errors  # each weight once (Keras counts nested ones twice)


def test_compare_finds_missing_objects_both_ways(tmp_path):
    _mlp(keraton).save_weights(tmp_path / "m.weights.h5")
    smaller = keraton.Sequential([keraton.Input((5,)), keraton.layers.Dense(4)])
    result = KerasFileEditor(str(tmp_path / "m.weights.h5")).compare(smaller)
    assert result == {"status": "error", "error_count": 2, "match_count": 2}


def test_edited_file_loads_into_the_changed_model_in_keraton_and_keras(tmp_path):
    source = _mlp(keraton)
    source.save_weights(tmp_path / "old.weights.h5")
    editor = KerasFileEditor(str(tmp_path / "old.weights.h5"))
    # The new architecture drops the BatchNormalization and widens the last layer.
    editor.delete_object("batch_normalization")
    editor.delete_object("layers/dense_1")
    new_kernel = np.arange(8, dtype="float32").reshape(4, 2)
    editor.add_object("layers/dense_1", {"0": new_kernel, "1": np.ones(2, "float32")})
    editor.resave_weights(str(tmp_path / "new.weights.h5"))

    def target(ns):
        return ns.Sequential([ns.Input((5,)), ns.layers.Dense(4), ns.layers.Dense(2)])

    x = np.random.RandomState(0).rand(3, 5).astype("float32")
    outputs = []
    for ns in (keraton, keras):
        model = target(ns)
        model.load_weights(str(tmp_path / "new.weights.h5"))
        np.testing.assert_array_equal(model.layers[0].get_weights()[0], source.layers[0].get_weights()[0])
        np.testing.assert_array_equal(model.layers[1].get_weights()[0], new_kernel)
        outputs.append(np.asarray(model.predict(x, verbose=0)))
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-6)


def test_nested_objects_are_kept_and_resaved(tmp_path):
    def model(ns):
        return ns.Sequential([ns.Input((3, 2)), ns.layers.Bidirectional(ns.layers.LSTM(2)),
                              ns.layers.Dense(1)])

    source = model(keraton)
    source.save_weights(tmp_path / "b.weights.h5")
    editor = KerasFileEditor(str(tmp_path / "b.weights.h5"))
    assert sorted(_flat(editor.weights_dict)) == sorted(
        [f"/layers/bidirectional/{side}/cell/{i}" for side in ("backward_layer", "forward_layer")
         for i in range(3)] + ["/layers/dense/0", "/layers/dense/1"])
    assert editor.compare(model(keraton))["status"] == "success"
    editor.rename_object("layers/dense", "dense_0")
    editor.rename_object("dense_0", "dense")
    editor.save(str(tmp_path / "again.weights.h5"))
    x = np.random.RandomState(1).rand(2, 3, 2).astype("float32")
    for ns in (keraton, keras):
        copy = model(ns)
        copy.load_weights(str(tmp_path / "again.weights.h5"))
        np.testing.assert_allclose(np.asarray(copy.predict(x, verbose=0)),
                                   source.predict(x, verbose=0), rtol=1e-5)


def test_weight_level_edits(tmp_path):
    _mlp(keraton).save_weights(tmp_path / "m.weights.h5")
    editor = KerasFileEditor(str(tmp_path / "m.weights.h5"))
    editor.delete_weight("layers/dense", "1")
    assert sorted(editor.weights_dict["layers"]["dense"]) == ["0"]
    editor.add_weights("dense", {"1": np.zeros(4, "float32")})
    np.testing.assert_array_equal(editor.weights_dict["layers"]["dense"]["1"], np.zeros(4))


@pytest.mark.parametrize("action, message", [
    (lambda e: e.delete_object("0"), "occurs more than once"),
    (lambda e: e.delete_object("nothing"), "does not appear in the model"),
    (lambda e: e.delete_object("layers/nothing"), "Path 'layers/nothing' not found"),
    (lambda e: e.rename_object("dense", "layers/x"), "should be a leaf name"),
    (lambda e: e.add_object("layers/x", [1]), "should be a dict"),
    (lambda e: e.add_object("nowhere/x", {"0": 1}), "Path 'nowhere' not found"),
    (lambda e: e.delete_weight("dense", "7"), "Weight 7 not found"),
    (lambda e: e.save("out.h5"), "expected a `.weights.h5` extension"),
])
def test_bad_edits_raise_keras_errors(tmp_path, action, message):
    _mlp(keraton).save_weights(tmp_path / "m.weights.h5")
    editor = KerasFileEditor(str(tmp_path / "m.weights.h5"))
    with pytest.raises(ValueError, match=message):
        action(editor)


def test_other_extensions_are_refused(tmp_path):
    with pytest.raises(ValueError, match="expected a `.keras` `.weights.h5` extension"):
        KerasFileEditor(str(tmp_path / "model.h5"))
