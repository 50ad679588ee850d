"""ReversibleEmbedding against real Keras 3: lookups, reverse projections, masks, config, files."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers
from keraton.layers.core.reversible_embedding import ReversibleEmbedding

keras = pytest.importorskip("keras")

IDS = np.array([[1, 2, 0, 9], [3, 0, 7, 7]], "int32")


def _pair(**kwargs):
    ours, theirs = ReversibleEmbedding(**kwargs), keras.layers.ReversibleEmbedding(**kwargs)
    ours(torch.from_numpy(IDS))
    theirs(IDS)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    weights = [np.random.default_rng(i).normal(size=w.shape).astype("float32")
               for i, w in enumerate(theirs.get_weights())]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


def _np(x):
    return x.detach().cpu().float().numpy()


@pytest.mark.parametrize("tie_weights", [True, False])
@pytest.mark.parametrize("logit_soft_cap", [None, 2.0])
@pytest.mark.parametrize("reverse_dtype,tol", [(None, 1e-5), ("float64", 1e-5), ("bfloat16", 2e-2)])
def test_matches_keras(tie_weights, logit_soft_cap, reverse_dtype, tol):
    ours, theirs = _pair(input_dim=10, output_dim=6, tie_weights=tie_weights,
                         logit_soft_cap=logit_soft_cap, reverse_dtype=reverse_dtype)
    np.testing.assert_allclose(_np(ours(torch.from_numpy(IDS))), _np(theirs(IDS)), rtol=1e-6)
    hidden = torch.from_numpy(np.random.default_rng(5).normal(size=(2, 4, 6)).astype("float32"))
    got, want = ours(hidden, reverse=True), theirs(hidden, reverse=True)
    assert got.dtype == want.dtype
    assert tuple(got.shape) == (2, 4, 10)
    np.testing.assert_allclose(_np(got), _np(want), rtol=tol, atol=tol)
    if logit_soft_cap:
        assert float(got.abs().max()) <= logit_soft_cap


@pytest.mark.parametrize("tie_weights,expected", [
    (True, [("embeddings", (10, 6))]),
    (False, [("embeddings", (10, 6)), ("reverse_embeddings", (6, 10))]),
])
def test_weight_names_shapes_and_order(tie_weights, expected):
    layer = ReversibleEmbedding(10, 6, tie_weights=tie_weights)
    layer(torch.from_numpy(IDS))
    assert [(w._keras_name, tuple(w.shape)) for w in layer.weights] == expected
    assert all(w.requires_grad for w in layer.weights)


def test_tied_reverse_is_the_transposed_table():
    layer = ReversibleEmbedding(4, 3)
    layer(torch.tensor([[0]]))
    table = np.arange(12, dtype="float32").reshape(4, 3)
    layer.set_weights([table])
    hidden = np.array([[1.0, 0.0, -1.0]], "float32")
    np.testing.assert_array_equal(_np(layer(torch.from_numpy(hidden), reverse=True)), hidden @ table.T)


@pytest.mark.parametrize("mask_zero", [False, True])
def test_masks_as_keras(mask_zero):
    # The forward call carries ``ids != 0`` with mask_zero; the reverse call carries no mask.
    ours, theirs = _pair(input_dim=10, output_dim=6, mask_zero=mask_zero)
    hidden, want = ours(torch.from_numpy(IDS)), theirs(IDS)
    got_mask, want_mask = getattr(hidden, "_keras_mask", None), getattr(want, "_keras_mask", None)
    if mask_zero:
        np.testing.assert_array_equal(got_mask.numpy(), want_mask.cpu().numpy())
        np.testing.assert_array_equal(got_mask.numpy(), IDS != 0)
    else:
        assert got_mask is None and want_mask is None
    assert getattr(ours(hidden, reverse=True), "_keras_mask", None) is None
    assert ours.compute_mask(torch.from_numpy(IDS)) is None


@pytest.mark.parametrize("kwargs", [
    dict(input_dim=10, output_dim=6, name="embedding"),
    dict(input_dim=7, output_dim=3, tie_weights=False, mask_zero=True, reverse_dtype="float32",
         logit_soft_cap=30.0, embeddings_initializer="he_normal", embeddings_regularizer="l2",
         embeddings_constraint="non_neg", name="tokens"),
])
def test_config_matches_keras(kwargs):
    ours, theirs = ReversibleEmbedding(**kwargs), keras.layers.ReversibleEmbedding(**kwargs)
    assert json.loads(json.dumps(ours.get_config())) == json.loads(json.dumps(theirs.get_config()))
    clone = ReversibleEmbedding.from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()


@pytest.mark.parametrize("reverse", [False, True])
def test_compute_output_shape_matches_keras(reverse):
    ours, theirs = ReversibleEmbedding(10, 6), keras.layers.ReversibleEmbedding(10, 6)
    shape = (None, 4, 6) if reverse else (None, 4)
    assert ours.compute_output_shape(shape, reverse=reverse) == tuple(
        theirs.compute_output_shape(shape, reverse=reverse))


def test_untied_initial_weights_fill_both_tables():
    tables = [np.ones((5, 2), "float32"), np.full((2, 5), 2.0, "float32")]
    layer = ReversibleEmbedding(5, 2, tie_weights=False, weights=tables)
    layer(torch.tensor([[1]]))
    np.testing.assert_array_equal(layer.get_weights()[1], tables[1])


def _language_model(lib, tie_weights=True):
    cls = ReversibleEmbedding if lib is keraton else keras.layers.ReversibleEmbedding
    tokens = lib.Input((4,), dtype="int32")
    embedding = cls(10, 6, tie_weights=tie_weights, mask_zero=True)
    x = embedding(tokens)
    x = lib.layers.Dense(6, activation="tanh")(x)
    return lib.Model(tokens, embedding(x, reverse=True))


def test_functional_model_symbolic_shapes_and_training():
    model = _language_model(keraton, tie_weights=False)
    assert model.output.shape == (None, 4, 10)
    model.compile(optimizer="adam", loss=keraton.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, size=(64, 4)).astype("int32")
    history = model.fit(x, (x + 1) % 10, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("tie_weights", [True, False])
@pytest.mark.parametrize("direction", ["keraton_to_keraton", "keras_to_keraton", "keraton_to_keras"])
def test_keras_file_round_trip(tmp_path, tie_weights, direction):
    src = keras if direction == "keras_to_keraton" else keraton
    model = _language_model(src, tie_weights)
    path = str(tmp_path / "m.keras")
    model.save(path)
    if direction.endswith("to_keras"):
        loaded = keras.saving.load_model(path)
    else:
        loaded = keraton.saving.load_model(path)
    layer = [lyr for lyr in loaded.layers if "reversible" in lyr.name][0]
    assert layer.get_config()["tie_weights"] is tie_weights
    assert len(layer.weights) == (1 if tie_weights else 2)
    tokens = torch.from_numpy(IDS[:, :4])
    np.testing.assert_allclose(_np(model(tokens)), _np(loaded(tokens)), rtol=1e-5, atol=1e-6)


def test_regularizer_loss_counts_the_table_once():
    layer = ReversibleEmbedding(3, 2, embeddings_regularizer=keraton.regularizers.L2(0.1))
    layer(torch.tensor([[0]]))
    layer.set_weights([np.full((3, 2), 2.0, "float32")])
    layer(torch.ones(1, 2), reverse=True)
    torch.testing.assert_close(sum(layer.losses), torch.tensor(0.1 * 6 * 4.0))


def test_is_an_embedding():
    assert isinstance(ReversibleEmbedding(3, 2), layers.Embedding)
