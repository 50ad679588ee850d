"""FeatureSpace: Keras's own test expectations, hand computations, keraton's (Keras-equal) preprocessing layers,
and config equality with real Keras for the features Keras builds without TensorFlow."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers
from keraton.layers.preprocessing.feature_space import FeatureSpace
from keraton.layers.preprocessing.hashed_crossing import HashedCrossing

FLOATS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
INTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
STRINGS = list("0123456789")


def train_data(include_strings=True):
    """Keras's feature_space_test data."""
    data = {"float_1": FLOATS, "float_2": FLOATS, "float_3": FLOATS, "int_1": INTS, "int_2": INTS, "int_3": INTS}
    if include_strings:
        data.update(string_1=STRINGS, string_2=STRINGS)
    return data


NO_STRINGS = {"float_1": "float", "float_2": "float_normalized", "float_3": "float_discretized",
              "int_1": "integer_categorical", "int_2": "integer_hashed", "int_3": "integer_categorical"}


def test_keras_basic_usage_shapes():
    # keras/src/layers/preprocessing/feature_space_test.py::test_basic_usage_no_strings
    fs = FeatureSpace(features=NO_STRINGS, crosses=[("int_1", "int_2"), ("int_2", "int_3")], output_mode="concat")
    fs.adapt(train_data(include_strings=False))
    data = train_data(include_strings=False)
    assert fs({k: v[0] for k, v in data.items()}).shape == (152,)
    assert fs({k: torch.tensor(v)[0] for k, v in data.items()}).shape == (152,)
    out = fs(data)
    assert out.shape == (10, 152) and out.dtype == torch.float32
    assert torch.equal(fs({k: torch.tensor(v) for k, v in data.items()}), out)
    assert fs.get_encoded_features().shape == (None, 152)


def test_concat_equals_hand_computation_and_standalone_layers():
    fs = FeatureSpace(
        features={"f": "float", "n": "float_normalized", "r": FeatureSpace.float_rescaled(scale=2.0, offset=1.0),
                  "d": "float_discretized", "i": "integer_categorical", "s": "string_categorical",
                  "h": "string_hashed"},
        crosses=[("i", "s")], crossing_dim=8, hashing_dim=4, num_discretization_bins=3)
    data = {"f": FLOATS, "n": FLOATS, "r": FLOATS, "d": FLOATS, "i": [1, 1, 1, 2, 2, 3, 3, 3, 3, 7],
            "s": list("aabbbccccd"), "h": STRINGS}
    fs.adapt(data)
    out = fs(data).numpy()

    x = np.array(FLOATS, "float32")[:, None]
    normalized = (x - x.mean()) / np.sqrt(x.var())
    disc = layers.Discretization(num_bins=3)
    disc.adapt(iter([x]))  # one batch of the 10 samples, as Keras's adapt pipeline gives it
    lookup_i = layers.IntegerLookup()
    lookup_i.adapt(iter([np.array(data["i"])[:, None]]))
    lookup_s = layers.StringLookup()
    lookup_s.adapt(iter([np.array(data["s"])[:, None]]))
    # Hand checks of the adapted vocabularies: most frequent first (Keras's order), OOV at 0.
    assert lookup_i.get_vocabulary() == [-1, 3, 1, 2, 7]
    assert lookup_s.get_vocabulary() == ["[UNK]", "c", "b", "a", "d"]
    i_idx = lookup_i(np.array(data["i"])[:, None])
    s_idx = lookup_s(np.array(data["s"])[:, None])
    cross = HashedCrossing(8)([i_idx, s_idx]).numpy()[:, 0]
    hashed = layers.Hashing(num_bins=4)(np.array(STRINGS)[:, None]).numpy()[:, 0]
    expected = np.concatenate([  # sorted feature names d, f, h, i, n, r, s; then the cross i_X_s
        np.eye(3)[disc(x).numpy()[:, 0]], x, np.eye(4)[hashed], np.eye(5)[i_idx.numpy()[:, 0]], normalized,
        2 * x + 1, np.eye(5)[s_idx.numpy()[:, 0]], np.eye(8)[cross]], axis=1)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_dict_mode_and_int_outputs():
    fs = FeatureSpace(features={"f": "float_normalized", "i": FeatureSpace.integer_categorical(output_mode="int"),
                                "s": FeatureSpace.string_hashed(num_bins=5, output_mode="int")},
                      crosses=[FeatureSpace.cross(("i", "s"), crossing_dim=6, output_mode="int")], output_mode="dict")
    data = {"f": FLOATS[:4], "i": [5, 6, 6, 7], "s": ["x", "y", "z", "x"]}
    fs.adapt(data)
    out = fs(data)
    assert sorted(out) == ["f", "i", "i_X_s", "s"]
    assert out["i"].dtype == torch.int64 and out["i"].shape == (4, 1)
    np.testing.assert_array_equal(out["i"].numpy()[:, 0], [3, 1, 1, 2])  # vocabulary [-1, 6, 7, 5]
    np.testing.assert_array_equal(out["s"].numpy(), layers.Hashing(num_bins=5)(np.array(data["s"])[:, None]).numpy())
    np.testing.assert_array_equal(out["i_X_s"].numpy(), HashedCrossing(6)([out["i"], out["s"]]).numpy())
    one = fs({"f": 0.1, "i": 6, "s": "y"})  # one sample as scalars: the batch axis is dropped again
    assert one["i"].shape == (1,) and int(one["i"]) == 1 and one["f"].shape == (1,)


def test_adapt_on_iterable_of_batches_matches_keras_batching():
    features = {"n": "float_normalized", "d": "float_discretized", "s": "string_categorical"}
    values = np.random.default_rng(0).normal(size=70).astype("float32")
    words = np.array(list("abcdeabcaa" * 7))
    by_rows = FeatureSpace(features=features, num_discretization_bins=4)
    by_rows.adapt({"n": values, "d": values, "s": words})
    by_batches = FeatureSpace(features=features, num_discretization_bins=4)
    by_batches.adapt([{"n": values[i:i + 32], "d": values[i:i + 32], "s": words[i:i + 32]} for i in range(0, 70, 32)])
    data = {"n": values, "d": values, "s": words}
    torch.testing.assert_close(by_rows(data), by_batches(data))
    # Rows are batched by 32 (Keras's adapt pipeline), so Discretization merges 3 summaries.
    reference = layers.Discretization(num_bins=4)
    reference.adapt(iter([values[i:i + 32, None] for i in range(0, 70, 32)]))
    assert by_rows.preprocessors["d"].bin_boundaries == reference.bin_boundaries


def test_models_on_encoded_features_and_raw_inputs():
    fs = FeatureSpace(features={"f": "float_normalized", "i": "integer_categorical"}, crosses=[("i", "i")],
                      crossing_dim=4)
    data = {"f": FLOATS, "i": INTS}
    fs.adapt(data)
    encoded = fs.get_encoded_features()
    dense = layers.Dense(1, kernel_initializer="ones")
    training_model = keraton.Model(fs.get_inputs(), dense(encoded))
    inference = keraton.Model(fs.get_inputs(), fs(fs.get_inputs()))
    raw = {k: np.asarray(v)[:, None] for k, v in data.items()}
    np.testing.assert_allclose(inference.predict(raw, verbose=0), fs(data).numpy(), atol=1e-6)
    np.testing.assert_allclose(training_model.predict(raw, verbose=0), fs(data).numpy().sum(1, keepdims=True),
                               atol=1e-5)


def test_config_round_trip_and_save(tmp_path):
    fs = FeatureSpace(features={"f": "float_rescaled", "s": "string_categorical", "h": "integer_hashed"},
                      crosses=[("s", "h")], crossing_dim=8, hashing_dim=16)
    data = {"f": FLOATS, "s": STRINGS, "h": INTS}
    fs.adapt(data)
    config = json.loads(json.dumps(fs.get_config()))
    assert config["crosses"] == [{"module": "keras.src.layers.preprocessing.feature_space", "class_name": "Cross",
                                  "config": {"feature_names": ["s", "h"], "crossing_dim": 8, "output_mode": "one_hot"},
                                  "registered_name": "Cross"}]
    clone = FeatureSpace.from_config(config)
    assert json.loads(json.dumps(clone.get_config()))["features"]["h"] == config["features"]["h"]
    path = str(tmp_path / "fs.keras")
    fs.save(path)
    from keraton.saving.saving_lib import load_model

    loaded = load_model(path)  # found from its "keras.utils" module, as in Keras
    torch.testing.assert_close(loaded(data), fs(data))
    assert loaded.preprocessors["s"].get_vocabulary() == fs.preprocessors["s"].get_vocabulary()


def test_config_equals_keras():
    keras = pytest.importorskip("keras")
    from keras.src.layers.preprocessing import feature_space as keras_fs

    def build(cls):
        return cls(features={"a": "float_normalized", "b": "float", "c": cls.float_rescaled(scale=2.0, name="c"),
                             "d": cls.float_discretized(num_bins=None, bin_boundaries=[0.0, 1.0], name="d"),
                             "e": "float_discretized"},
                   num_discretization_bins=5, hashing_dim=3)

    theirs = json.loads(json.dumps(keras.saving.serialize_keras_object(build(keras_fs.FeatureSpace))["config"]))
    ours = json.loads(json.dumps(build(FeatureSpace).get_config()))
    for name in ("d", "e"):  # keraton's Discretization config adds the base layer keys to Keras's
        layer_config = ours["features"][name]["config"]["preprocessor"]["config"]
        assert layer_config.pop("trainable") is True
        layer_config["dtype"] = "float32"
    assert ours == theirs
    rebuilt = FeatureSpace.from_config(theirs)  # Keras's config rebuilds a keraton FeatureSpace
    rebuilt.adapt({"a": FLOATS, "e": FLOATS})
    out = rebuilt({"a": FLOATS, "b": FLOATS, "c": FLOATS, "d": FLOATS, "e": FLOATS})
    assert out.shape == (10, 1 + 1 + 1 + 3 + 5)  # d: 2 boundaries, 3 one-hot bins


@pytest.mark.parametrize("make,call,match", [
    (lambda: FeatureSpace({}), None, "cannot be None or empty"),
    (lambda: FeatureSpace({"a": "float"}, output_mode="list"), None, "output_mode"),
    (lambda: FeatureSpace({"a": "floaty"}), None, "Invalid feature type"),
    (lambda: FeatureSpace({"a": "integer_categorical"}, crosses=[("a", "b")]), None, "unknown features"),
    (lambda: FeatureSpace({"a": "float_normalized"}), lambda fs: fs({"a": [1.0]}), "call `.adapt"),
    (lambda: FeatureSpace({"a": "float"}), lambda fs: fs([1.0]), "only be called with a dict"),
    (lambda: FeatureSpace({"a": "float", "b": "float"}), lambda fs: fs({"a": [1.0]}), "missing features"),
    (lambda: FeatureSpace({"a": FeatureSpace.integer_hashed(3, output_mode="int")}), lambda fs: fs({"a": [1]}),
     "Cannot concatenate"),
    (lambda: FeatureSpace({"a": FeatureSpace.feature("float32", layers.Rescaling(1.0), "one_hot")}),
     lambda fs: fs({"a": [1.0]}), "should return an integer dtype"),
    (lambda: FeatureSpace({"a": "float"}), lambda fs: fs.adapt([1, 2]), "iterable of dicts"),
])
def test_errors(make, call, match):
    with pytest.raises(ValueError, match=match):
        fs = make()
        call(fs)


def test_adapting_again_resizes_the_one_hot_encodings():
    fs = FeatureSpace(features={"s": "string_categorical"})
    fs.adapt({"s": ["a", "b"]})
    assert fs({"s": ["a"]}).shape == (1, 3)
    fs.adapt({"s": ["a", "b", "c", "d"]})
    np.testing.assert_array_equal(fs({"s": ["d", "z"]}).numpy(), [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0]])
