"""``.keras`` interoperability with Keras 3 for layer families beyond the core layers.

Conv2D + BatchNormalization, Embedding + LSTM, GRU + SimpleRNN, Bidirectional,
MultiHeadAttention: a file from Keras loads and predicts the same, and the file
keraton writes has Keras's dataset paths and loads back in Keras.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")


def _predict(model, x):
    return np.asarray(model.predict(x, verbose=0))


def _datasets(path: str) -> dict:
    """{dataset path: shape} of the weights inside a .keras file."""
    out = {}
    with h5py.File(io.BytesIO(zipfile.ZipFile(path).read("model.weights.h5")), "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj.shape)
                     if isinstance(obj, h5py.Dataset) else None)
    return out


def _family(lib, kind: str):
    L = lib.layers
    if kind == "conv_bn":
        return lib.Sequential([lib.Input((8, 8, 3)), L.Conv2D(4, 3), L.BatchNormalization(),
                               L.Flatten(), L.Dense(2)])
    if kind == "embedding_lstm":
        return lib.Sequential([lib.Input((5,), dtype="int32"), L.Embedding(10, 4), L.LSTM(3),
                               L.Dense(1)])
    if kind == "gru_simple_rnn":
        return lib.Sequential([lib.Input((5, 4)), L.GRU(3, return_sequences=True), L.SimpleRNN(2)])
    if kind == "bidirectional":
        return lib.Sequential([lib.Input((5, 4)), L.Bidirectional(L.LSTM(3))])
    if kind == "multi_head_attention":
        a = lib.Input((5, 4))
        return lib.Model(a, L.MultiHeadAttention(2, 3)(a, a))
    raise AssertionError(kind)


FAMILIES = {"conv_bn": ("Conv2D", "BatchNormalization"), "embedding_lstm": ("Embedding", "LSTM"),
            "gru_simple_rnn": ("GRU", "SimpleRNN"), "bidirectional": ("Bidirectional", "LSTM"),
            "multi_head_attention": ("MultiHeadAttention",)}


@pytest.mark.parametrize("kind", sorted(FAMILIES))
def test_layer_families_interoperate_with_keras(kind, tmp_path):
    missing = [n for n in FAMILIES[kind] if not hasattr(keraton.layers, n)]
    if missing:
        pytest.skip(f"keraton.layers has no {missing} yet")
    keras.backend.clear_session()
    km = _family(keras, kind)
    rng = np.random.default_rng(0)
    # Random weights (variances kept positive) so every weight matters to the output.
    km.set_weights([np.abs(w) + 0.5 if "variance" in v.path else w for v, w in
                    zip(km.weights, (rng.normal(size=v.shape).astype(v.dtype) * 0.3 for v in km.weights))])
    if kind == "embedding_lstm":
        x = rng.integers(0, 10, size=(3, 5)).astype("int32")
    elif kind == "conv_bn":
        x = rng.normal(size=(3, 8, 8, 3)).astype("float32")
    else:
        x = rng.normal(size=(3, 5, 4)).astype("float32")
    km.save(str(tmp_path / "k.keras"))
    model = keraton.models.load_model(str(tmp_path / "k.keras"))
    np.testing.assert_allclose(_predict(model, x), _predict(km, x), rtol=1e-5, atol=1e-5)
    model.save(str(tmp_path / "t.keras"))
    assert _datasets(str(tmp_path / "t.keras")) == _datasets(str(tmp_path / "k.keras"))
    back = keras.saving.load_model(str(tmp_path / "t.keras"))
    np.testing.assert_allclose(_predict(back, x), _predict(model, x), rtol=1e-5, atol=1e-5)
