"""Adapted vocabularies saved as ``.keras`` assets (Keras 3's ``assets/<path>/vocabulary.txt``).

Real Keras 3 cannot build StringLookup/IntegerLookup/TextVectorization
without TensorFlow (not installed here), so the file layout is checked
against what Keras's ``saving_lib``/``index_lookup`` write, by hand.
"""

import io
import zipfile

import h5py
import numpy as np
import pytest
import torch

import keraton
from keraton import layers
from keraton.saving import assets

TEXTS = np.array(["the cat sat", "the dog ran far", "a cat and a dog", "the end"])
WORDS = np.array(["cat", "dog", "cat", "bird", "dog", "cat", "emu"])
NUMBERS = np.array([[7, 3, 7], [3, 9, 7], [12, 7, 3]])


def _text_model(mode):
    vectorizer = layers.TextVectorization(output_mode=mode,
                                          output_sequence_length=5 if mode == "int" else None)
    vectorizer.adapt(TEXTS)
    inputs = keraton.Input(shape=(1,), dtype="string")
    x = vectorizer(inputs)
    if mode == "int":
        x = layers.GlobalAveragePooling1D()(layers.Embedding(20, 3)(x))
    return keraton.Model(inputs, layers.Dense(2)(x)), TEXTS[:, None]


def _string_lookup_model(mode, **kwargs):
    lookup = layers.StringLookup(output_mode=mode, **kwargs)
    lookup.adapt(WORDS)
    # A rank-1 input is one document in the bag-of-words modes (Keras's rule): give those (n, 1).
    inputs = keraton.Input(shape=(1,) if mode in ("multi_hot", "count", "tf_idf") else (),
                           dtype="string")
    x = lookup(inputs)
    x = layers.Embedding(8, 3)(x) if mode == "int" else x
    return keraton.Model(inputs, layers.Dense(2)(x)), np.array(["cat", "emu", "zebra", "dog", "[UNK]"])


def _integer_lookup_model(mode):
    lookup = layers.IntegerLookup(output_mode=mode)
    lookup.adapt(NUMBERS)
    inputs = keraton.Input(shape=(3,), dtype="int64")
    x = lookup(inputs)
    x = layers.Flatten()(layers.Embedding(8, 2)(x)) if mode == "int" else x
    return keraton.Model(inputs, layers.Dense(2)(x)), np.array([[7, 3, 12], [5, 9, 9]])


@pytest.mark.parametrize("make", [
    lambda: _text_model("int"), lambda: _text_model("multi_hot"), lambda: _text_model("tf_idf"),
    lambda: _text_model("count"),
    lambda: _string_lookup_model("int"), lambda: _string_lookup_model("one_hot"),
    lambda: _string_lookup_model("tf_idf"),
    lambda: _string_lookup_model("int", mask_token="[MASK]", num_oov_indices=2),
    lambda: _integer_lookup_model("int"), lambda: _integer_lookup_model("multi_hot"),
    lambda: _integer_lookup_model("tf_idf"),
], ids=["tv-int", "tv-multi_hot", "tv-tf_idf", "tv-count", "sl-int", "sl-one_hot", "sl-tf_idf",
        "sl-mask-2oov", "il-int", "il-multi_hot", "il-tf_idf"])
def test_adapted_lookup_round_trips_with_identical_predictions(make, tmp_path):
    model, x = make()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keraton.saving.load_model(path)
    lookup, reloaded = model.layers[1], loaded.layers[1]
    assert reloaded.get_vocabulary() == lookup.get_vocabulary()
    assert reloaded.get_config() == lookup.get_config()
    expected = model.predict(x, verbose=0)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    assert np.abs(expected).sum() > 0


def test_zip_layout_is_keras_s(tmp_path):
    model, _ = _string_lookup_model("tf_idf")
    path = tmp_path / "model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        vocabulary = zf.read("assets/layers/string_lookup/vocabulary.txt").decode()
        weights = h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")
        idf = weights["layers/string_lookup/vars/idf_weights"][()]
    assert sorted(names) == ["assets/layers/string_lookup/vocabulary.txt", "config.json",
                             "metadata.json", "model.weights.h5"]
    # Keras: "\n".join(get_vocabulary()), no trailing newline; counts then token, descending.
    assert vocabulary == "[UNK]\ncat\ndog\nemu\nbird"
    np.testing.assert_allclose(idf, model.layers[1].idf_weights.numpy())
    assert idf.shape == (5,)


def test_text_vectorization_writes_its_own_and_its_lookup_s_vocabulary(tmp_path):
    model, _ = _text_model("int")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        own = zf.read("assets/layers/text_vectorization/vocabulary.txt").decode()
        inner = zf.read("assets/layers/text_vectorization/_lookup_layer/vocabulary.txt").decode()
    # As Keras's walk: the layer delegates to its lookup, which is also visited as `_lookup_layer`.
    assert own == inner and own.split("\n")[:4] == ["", "[UNK]", "the", "dog"]


def test_constructor_vocabulary_lives_in_the_config_not_the_assets(tmp_path):
    inputs = keraton.Input(shape=(), dtype="string")
    model = keraton.Model(inputs, layers.StringLookup(vocabulary=["a", "b"])(inputs))
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert not [n for n in zf.namelist() if n.startswith("assets/")]
    loaded = keraton.saving.load_model(tmp_path / "m.keras")
    assert loaded.predict(np.array(["b", "a", "z"]), verbose=0).tolist() == [2, 1, 0]


def test_sequential_text_classifier_after_fit_round_trips(tmp_path):
    vectorizer = layers.TextVectorization(output_sequence_length=4)
    vectorizer.adapt(TEXTS)
    model = keraton.Sequential([vectorizer, layers.Embedding(20, 3),
                                layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(TEXTS, np.arange(4, dtype="float32"), epochs=2, verbose=0)
    model.save(tmp_path / "s.keras")
    loaded = keraton.saving.load_model(tmp_path / "s.keras")
    np.testing.assert_array_equal(loaded.predict(TEXTS, verbose=0), model.predict(TEXTS, verbose=0))
    assert loaded.layers[0].get_vocabulary() == vectorizer.get_vocabulary()


def _rewrite(path, replace):
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members = replace(members)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.mark.parametrize("member", ["assets/../evil.txt", "assets/layers/../../../evil.txt"])
def test_asset_members_cannot_leave_the_extraction_directory(member, tmp_path):
    model, _ = _string_lookup_model("int")
    path = tmp_path / "m.keras"
    model.save(path)
    _rewrite(path, lambda m: {**m, member: b"x"})
    with pytest.raises(ValueError, match="outside"):
        keraton.saving.load_model(path)
    # The assets loader itself refuses it too, even past the archive's own name check.
    with zipfile.ZipFile(path) as zf, pytest.raises(ValueError, match="outside the assets"):
        assets.load_assets([], zf)
    assert not (tmp_path / "evil.txt").exists()


def test_a_corrupt_integer_vocabulary_is_refused(tmp_path):
    model, _ = _integer_lookup_model("int")
    path = tmp_path / "m.keras"
    model.save(path)
    _rewrite(path, lambda m: {**m, "assets/layers/integer_lookup/vocabulary.txt": b"-1\n7\nseven"})
    with pytest.raises(ValueError, match="integer_lookup.*one integer per line"):
        keraton.saving.load_model(path)


def test_a_failing_save_assets_leaves_the_old_file(tmp_path):
    model, _ = _string_lookup_model("int")
    path = tmp_path / "m.keras"
    path.write_bytes(b"old")

    def broken(dir_path):
        raise OSError("disk full")

    model.layers[1].save_assets = broken
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_idf_weights_are_read_before_the_vocabulary(tmp_path):
    lookup = layers.StringLookup(output_mode="tf_idf")
    lookup.adapt(WORDS)
    rebuilt = layers.StringLookup.from_config(lookup.get_config())
    assert rebuilt.compute_output_shape((None, 2)) == (None, 5)  # the config's vocabulary_size
    store = {}
    lookup.save_own_variables(store)
    rebuilt.load_own_variables(store)
    torch.testing.assert_close(rebuilt.idf_weights, lookup.idf_weights)
    lookup.save_assets(tmp_path)
    rebuilt.load_assets(tmp_path)
    x = np.array([["cat", "dog", "cat"], ["emu", "yak", "bird"]])
    torch.testing.assert_close(rebuilt(x), lookup(x), rtol=0, atol=0)
