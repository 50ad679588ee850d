"""MultiHeadAttention and GroupQueryAttention create Keras's ``_softmax`` and ``_dropout_layer`` in ``build``.

So later layers get Keras's automatic names, ``.keras`` files hold Keras's
groups, and a subclass that overrides ``_compute_attention`` with Keras's
sublayers computes what it computes in Keras.
"""

import zipfile

import h5py
import numpy as np
import pytest
import torch

import keraton

keras = pytest.importorskip("keras")


def _model(lib):
    layers = lib.layers
    inputs = lib.Input((4, 8))
    x = layers.GroupQueryAttention(4, 2, 1, dropout=0.1)(inputs, inputs)
    x = layers.MultiHeadAttention(2, 4, attention_axes=(1,))(x, x)
    x = layers.Dropout(0.1)(x)
    x = layers.Softmax()(x)
    return lib.Model(inputs, x)


def _h5_names(path, tmp_path):
    with zipfile.ZipFile(path) as archive:
        archive.extract("model.weights.h5", tmp_path)
    names = []
    with h5py.File(tmp_path / "model.weights.h5") as f:
        f.visit(names.append)
    return names


def test_names_sublayers_and_file_groups_match_keras(tmp_path):
    keras.backend.clear_session()
    keraton.backend.clear_session()
    ours, theirs = _model(keraton), _model(keras)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert ours.layers[-2].name == "dropout_2"
    for i in (1, 2):
        for attribute in ("_softmax", "_dropout_layer"):
            mine, keras_layer = getattr(ours.layers[i], attribute), getattr(theirs.layers[i], attribute)
            assert type(mine).__name__ == type(keras_layer).__name__
            assert mine.name == keras_layer.name
    assert tuple(ours.layers[2]._softmax.axis) == tuple(theirs.layers[2]._softmax.axis) == (3,)
    assert ours.layers[1]._dropout_layer.rate == theirs.layers[1]._dropout_layer.rate == 0.1
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _h5_names(tmp_path / "ours.keras", tmp_path / "a") == _h5_names(tmp_path / "theirs.keras",
                                                                           tmp_path / "b")


def _talking_heads(lib):
    """A subclass in keras.io's style: ``_compute_attention`` rebuilt from Keras's sublayers."""

    class TalkingHeads(lib.layers.MultiHeadAttention):
        def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                               return_attention_scores=False, use_causal_mask=False):
            query = lib.ops.multiply(query, 1.0 / np.sqrt(float(self._key_dim)))
            scores = lib.ops.einsum(self._dot_product_equation, key, query)
            scores = self._softmax(scores * 2.0)
            dropped = self._dropout_layer(scores, training=training)
            return lib.ops.einsum(self._combine_equation, dropped, value), scores

    return TalkingHeads(num_heads=2, key_dim=3)


def test_subclass_using_softmax_and_dropout_sublayers_matches_keras():
    ours, theirs = _talking_heads(keraton), _talking_heads(keras)
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    theirs(x, x)
    ours(torch.as_tensor(x), torch.as_tensor(x))
    weights = [np.random.default_rng(1).normal(size=w.shape).astype("float32") * 0.5
               for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected = keras.ops.convert_to_numpy(theirs(x, x))
    got = ours(torch.as_tensor(x), torch.as_tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
