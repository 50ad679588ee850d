"""MultiHeadAttention against real Keras 3 with copied weights, over its options and masks."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers

keras = pytest.importorskip("keras")


def _t(shape, seed):
    return torch.from_numpy(np.random.default_rng(seed).normal(size=shape).astype("float32"))


def _masked(x, mask):
    """A fresh copy of ``x`` carrying ``mask`` (Keras's MHA clears the masks of its inputs)."""
    y = x.clone()
    if mask is not None:
        y._keras_mask = mask
    return y


def _pair(seed=3, **kwargs):
    ours = layers.MultiHeadAttention(**kwargs)
    theirs = keras.layers.MultiHeadAttention(**kwargs)
    return ours, theirs


def _sync(ours, theirs, q, v, k=None):
    ours(q, v, k)
    theirs(q, v, k) if k is not None else theirs(q, v)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    weights = [np.random.default_rng(i).normal(scale=0.5, size=w.shape).astype("float32")
               for i, w in enumerate(ours.get_weights())]
    ours.set_weights(weights)
    theirs.set_weights(weights)


def _close(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().cpu().numpy(), rtol=1e-5, atol=1e-5)


CONFIGS = [
    dict(num_heads=2, key_dim=3),
    dict(num_heads=3, key_dim=2, value_dim=5),
    dict(num_heads=2, key_dim=3, output_shape=7),
    dict(num_heads=2, key_dim=3, output_shape=(2, 3)),
    dict(num_heads=1, key_dim=4, use_bias=False),
    dict(num_heads=2, key_dim=3, use_gate=True),
    dict(num_heads=2, key_dim=3, sliding_window=2),
]


@pytest.mark.parametrize("kwargs", CONFIGS)
@pytest.mark.parametrize("with_key", [False, True])
@pytest.mark.parametrize("scores", [False, True])
def test_matches_keras(kwargs, with_key, scores):
    ours, theirs = _pair(**kwargs)
    q, v = _t((2, 5, 6), 0), _t((2, 4, 8), 1)
    k = _t((2, 4, 3), 2) if with_key else None
    _sync(ours, theirs, q, v, k)
    extra = {"key": k} if with_key else {}
    got = ours(q, v, return_attention_scores=scores, **extra)
    want = theirs(q, v, return_attention_scores=scores, **extra)
    if scores:
        _close(got[0], want[0])
        _close(got[1], want[1])
        assert tuple(got[1].shape) == (2, kwargs["num_heads"], 5, 4)
    else:
        _close(got, want)


def test_weight_layout_and_order():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    mha(_t((1, 5, 6), 0), _t((1, 4, 8), 1))
    names = [f"{w._keras_layer}/{w._keras_name}" for w in mha.weights]
    assert names == ["query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel",
                     "value/bias", "attention_output/kernel", "attention_output/bias"]
    assert [w.shape for w in mha.get_weights()] == [
        (6, 2, 3), (2, 3), (8, 2, 3), (2, 3), (8, 2, 4), (2, 4), (2, 4, 6), (6,)]


MASKS = ["query", "value", "key", "attention", "causal", "all"]


@pytest.mark.parametrize("which", MASKS)
@pytest.mark.parametrize("scores", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_masks_match_keras(which, scores, dropout):
    ours, theirs = _pair(num_heads=2, key_dim=3, dropout=dropout)
    q, v, k = _t((2, 5, 6), 0), _t((2, 4, 6), 1), _t((2, 4, 6), 2)
    _sync(ours, theirs, q, v, k)
    q_mask = torch.tensor([[True, True, True, False, False], [True] * 5])
    v_mask = torch.tensor([[True, True, False, False], [True, False, True, True]])
    k_mask = torch.tensor([[True, False, True, True], [True, True, True, False]])
    att = torch.from_numpy(np.random.default_rng(9).random((2, 5, 4)) > 0.3)
    use = {w: which in (w, "all") for w in ("query", "value", "key", "attention", "causal")}
    outs = []
    for layer in (ours, theirs):
        outs.append(layer(
            _masked(q, q_mask if use["query"] else None), _masked(v, v_mask if use["value"] else None),
            key=_masked(k, k_mask if use["key"] else None),
            attention_mask=att if use["attention"] else None, use_causal_mask=use["causal"],
            return_attention_scores=scores))
    if scores:
        _close(outs[0][0], outs[1][0])
        _close(outs[0][1], outs[1][1])
    else:
        _close(outs[0], outs[1])


def test_output_carries_query_mask():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    q_mask = torch.tensor([[True, False, True]])
    out = mha(_masked(_t((1, 3, 4), 0), q_mask), _t((1, 2, 4), 1))
    assert torch.equal(out._keras_mask, q_mask)


def test_explicit_value_mask_blocks_positions():
    # With value position 1 masked, changing value[:, 1] must not change the output.
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    q, v = _t((1, 3, 4), 0), _t((1, 2, 4), 1)
    mask = torch.tensor([[True, False]])
    a = mha(q, v, value_mask=mask)
    v2 = v.clone()
    v2[:, 1] += 10.0
    torch.testing.assert_close(mha(q, v2, value_mask=mask), a)
    assert not torch.allclose(mha(q, v2), mha(q, v))


@pytest.mark.parametrize("axes", [None, (1,), (2,), (1, 2), -2])
@pytest.mark.parametrize("scores", [False, True])
def test_attention_axes_match_keras(axes, scores):
    ours, theirs = _pair(num_heads=2, key_dim=3, attention_axes=axes)
    q, v = _t((2, 3, 4, 6), 0), _t((2, 3, 4, 6), 1)
    _sync(ours, theirs, q, v)
    got = ours(q, v, return_attention_scores=scores)
    want = theirs(q, v, return_attention_scores=scores)
    if scores:
        _close(got[0], want[0])
        _close(got[1], want[1])
    else:
        _close(got, want)


def test_attention_axes_with_mask_match_keras():
    ours, theirs = _pair(num_heads=2, key_dim=3, attention_axes=(2,))
    q, v = _t((2, 3, 4, 6), 0), _t((2, 3, 4, 6), 1)
    _sync(ours, theirs, q, v)
    mask = torch.from_numpy(np.random.default_rng(2).random((2, 3, 4, 4)) > 0.3)
    _close(ours(q, v, attention_mask=mask), theirs(q, v, attention_mask=mask))


def test_dropout_only_in_training():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=1)
    q = _t((2, 5, 6), 0)
    y = mha(q, q)
    torch.testing.assert_close(mha(q, q), y, rtol=0, atol=0)
    _, scores = mha(q, q, return_attention_scores=True)
    dropped = mha(q, q, training=True)
    assert not torch.allclose(dropped, y)
    # Returned scores are the probabilities before dropout: rows sum to 1.
    torch.testing.assert_close(scores.sum(-1), torch.ones(2, 2, 5))


def test_gradients_reach_all_weights():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2)
    q, v = _t((2, 5, 6), 0), _t((2, 4, 6), 1)
    mha(q, v).square().sum().backward()
    assert len(mha.trainable_weights) == 8
    assert all(w.grad is not None and float(w.grad.abs().sum()) > 0 for w in mha.trainable_weights)


@pytest.mark.parametrize("kwargs", [
    dict(num_heads=2, key_dim=3),
    dict(num_heads=4, key_dim=2, value_dim=3, dropout=0.1, use_bias=False, output_shape=(5,),
         attention_axes=(1,), kernel_initializer="he_normal", bias_initializer="ones",
         kernel_regularizer="l2", bias_constraint="non_neg", seed=3),
])
def test_config_matches_keras(kwargs):
    keras.backend.clear_session()
    theirs = keras.layers.MultiHeadAttention(**kwargs)
    ours = layers.MultiHeadAttention(**kwargs)
    q = _t((1, 3, 4), 0)
    theirs(q, q)
    ours(q, q)
    assert json.loads(json.dumps(ours.get_config())) == json.loads(json.dumps(theirs.get_config()))
    clone = layers.MultiHeadAttention.from_config(ours.get_config())
    clone.build_from_config(ours.get_build_config())
    clone.set_weights(ours.get_weights())
    torch.testing.assert_close(clone(q, q), ours(q, q))
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(ours))))
    assert type(rebuilt) is layers.MultiHeadAttention
    assert json.loads(json.dumps(rebuilt.get_config())) == json.loads(json.dumps(ours.get_config()))


def test_functional_model_with_scores():
    q_in, v_in = keraton.Input((5, 6)), keraton.Input((4, 8))
    out, scores = layers.MultiHeadAttention(num_heads=2, key_dim=3)(
        q_in, v_in, return_attention_scores=True)
    assert out.shape == (None, 5, 6)
    assert scores.shape == (None, 2, 5, 4)
    model = keraton.Model([q_in, v_in], [out, scores])
    got = model([_t((3, 5, 6), 0), _t((3, 4, 8), 1)])
    assert tuple(got[0].shape) == (3, 5, 6) and tuple(got[1].shape) == (3, 2, 5, 4)


def test_functional_self_attention_trains():
    inputs = keraton.Input((6, 4))
    x = layers.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs, use_causal_mask=True)
    model = keraton.Model(inputs, layers.Dense(1)(x))
    model.compile(optimizer="adam", loss="mse")
    x_data, y_data = _t((64, 6, 4), 0), _t((64, 6, 1), 1)
    history = model.fit(x_data, y_data, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("kwargs,fragment", [
    (dict(num_heads=0, key_dim=2), "num_heads"),
    (dict(num_heads=2, key_dim=-1), "key_dim"),
    (dict(num_heads=2, key_dim=2, value_dim=1.5), "value_dim"),
    (dict(num_heads=2, key_dim=2, attention_axes="x"), "attention_axes"),
])
def test_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        layers.MultiHeadAttention(**kwargs)


def test_bad_calls_name_the_layer():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2, name="mha")
    with pytest.raises(TypeError, match="'mha'.*value"):
        mha(_t((1, 3, 4), 0))
    with pytest.raises(ValueError, match="'mha'.*value.*key"):
        mha(_t((1, 3, 4), 0), _t((1, 2, 4), 1), _t((1, 5, 4), 2))


@pytest.mark.parametrize("causal", [False, True])
def test_embedding_masks_flow_in_functional_model_like_keras(causal):
    # Masks from Embedding(mask_zero=True) reach query and value, as in a Keras model.
    def build(lib):
        tokens = lib.Input((5,), dtype="int32")
        x = lib.layers.Embedding(10, 6, mask_zero=True)(tokens)
        x = lib.layers.MultiHeadAttention(num_heads=2, key_dim=3)(x, x, use_causal_mask=causal)
        return lib.Model(tokens, x)

    keras.backend.clear_session()
    ours, theirs = build(keraton), build(keras)
    weights = [np.random.default_rng(i).normal(size=w.shape).astype("float32")
               for i, w in enumerate(ours.get_weights())]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    tokens = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]], "int32")
    got = ours(torch.from_numpy(tokens))
    _close(got, theirs(torch.from_numpy(tokens)))
    assert torch.equal(got._keras_mask, torch.from_numpy(tokens != 0))


@pytest.mark.parametrize("call,fused", [
    (dict(), True),
    (dict(use_causal_mask=True), True),
    (dict(attention_mask=torch.ones(2, 5, 5, dtype=torch.bool)), True),
    (dict(return_attention_scores=True), False),
    (dict(training=True), False),  # dropout on the probabilities
])
def test_sdpa_fast_path(monkeypatch, call, fused):
    calls = []
    sdpa = torch.nn.functional.scaled_dot_product_attention
    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention",
                        lambda *a, **k: calls.append(k) or sdpa(*a, **k))
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.1 if "training" in call else 0.0)
    q = _t((2, 5, 4), 0)
    mha(q, q, **call)
    assert len(calls) == (1 if fused else 0)
    if "use_causal_mask" in call:
        assert calls[0]["is_causal"] is True and calls[0]["attn_mask"] is None


@pytest.mark.parametrize("direction,scalar_weights", [
    ("keras_to_keraton", False), ("keraton_to_keras", False), ("keraton_to_keras", True),
    ("keras_to_keraton", True),
])
def test_keras_file_round_trip(tmp_path, direction, scalar_weights):
    # A .keras file written by one library loads in the other with the same outputs:
    # the sublayer paths (query_dense, ..., output_dense) and weight order agree.
    src, dst = (keras, keraton) if direction == "keras_to_keraton" else (keraton, keras)
    keras.backend.clear_session()
    q_in, v_in = src.Input((5, 6)), src.Input((4, 6))
    x = src.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)(q_in, v_in)
    x = src.layers.EinsumDense("abc,cd->abd", output_shape=(None, 2), bias_axes="d")(x)
    x = src.layers.Attention(use_scale=scalar_weights, score_mode="concat" if scalar_weights
                             else "dot")([x, x])
    x = src.layers.AdditiveAttention()([x, x])
    model = src.Model([q_in, v_in], x)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = dst.saving.load_model(path)
    inputs = [_t((2, 5, 6), 0), _t((2, 4, 6), 1)]
    a, b = model(inputs), loaded(inputs)
    np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().cpu().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("switch", ["argument", "config"])
def test_flash_attention_off_runs_the_einsum_path_with_equal_numbers(switch, monkeypatch):
    import keraton

    torch.manual_seed(0)
    query = torch.randn(2, 5, 8)
    fused = keraton.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    expected = fused(query, query).detach()
    off = keraton.layers.MultiHeadAttention(
        num_heads=2, key_dim=4, flash_attention=False if switch == "argument" else None)
    off.build(query.shape, query.shape)
    off.set_weights(fused.get_weights())

    def refuse(*args, **kwargs):
        raise AssertionError("the fused kernel ran although flash attention is off")

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", refuse)
    if switch == "config":
        keraton.config.disable_flash_attention()
    try:
        got = off(query, query).detach()
    finally:
        keraton.config.enable_flash_attention()
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
