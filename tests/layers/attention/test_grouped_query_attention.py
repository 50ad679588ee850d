"""GroupQueryAttention against real Keras 3 with copied weights: options, masks, config, files."""

import json

import numpy as np
import pytest
import torch

import keraton
from keraton import layers
from keraton.layers.attention.grouped_query_attention import GroupedQueryAttention
from keraton.saving import saving_lib
from keraton.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

keras = pytest.importorskip("keras")



def test_exported_under_keras_name_and_saved_under_its_class_name():
    # Keras's config says "GroupQueryAttention"; its weights file path uses the Python class
    # name (layers/grouped_query_attention/...), which keraton's saving walk follows.
    assert layers.GroupQueryAttention is GroupedQueryAttention
    assert saving_lib._snake(GroupedQueryAttention(2, 2, 1)) == "grouped_query_attention"


def _t(shape, seed):
    return torch.from_numpy(np.random.default_rng(seed).normal(size=shape).astype("float32"))


def _masked(x, mask):
    y = x.clone()
    if mask is not None:
        y._keras_mask = mask
    return y


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


def _pair(**kwargs):
    return GroupedQueryAttention(**kwargs), keras.layers.GroupQueryAttention(**kwargs)


CONFIGS = [
    dict(head_dim=3, num_query_heads=4, num_key_value_heads=2),
    dict(head_dim=2, num_query_heads=3, num_key_value_heads=1),
    dict(head_dim=3, num_query_heads=2, num_key_value_heads=2),
    dict(head_dim=4, num_query_heads=4, num_key_value_heads=2, use_bias=False),
    dict(head_dim=3, num_query_heads=4, num_key_value_heads=2, use_gate=True),
    dict(head_dim=3, num_query_heads=4, num_key_value_heads=2, sliding_window=2),
    dict(head_dim=3, num_query_heads=4, num_key_value_heads=2, dropout=0.3),  # inference
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
        assert tuple(got[1].shape) == (2, kwargs["num_query_heads"], 5, 4)
    else:
        assert tuple(got.shape) == (2, 5, 6)
        _close(got, want)


def test_weight_layout_and_order():
    gqa = GroupedQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, use_gate=True)
    gqa(_t((1, 5, 6), 0), _t((1, 4, 8), 1))
    names = [f"{w._keras_layer}/{w._keras_name}" for w in gqa.weights]
    assert names == ["query/kernel", "query/bias", "key/kernel", "key/bias", "gate/kernel",
                     "gate/bias", "value/kernel", "value/bias", "attention_output/kernel",
                     "attention_output/bias"]
    assert [w.shape for w in gqa.get_weights()] == [
        (6, 4, 3), (4, 3), (8, 2, 3), (2, 3), (6, 4, 3), (4, 3), (8, 2, 3), (2, 3), (4, 3, 6), (6,)]


MASKS = ["query", "value", "key", "attention", "causal", "all"]


@pytest.mark.parametrize("which", MASKS)
@pytest.mark.parametrize("scores", [False, True])
@pytest.mark.parametrize("window", [None, 3])
def test_masks_match_keras(which, scores, window):
    ours, theirs = _pair(head_dim=3, num_query_heads=4, num_key_value_heads=2, sliding_window=window)
    q, v, k = _t((2, 5, 6), 0), _t((2, 4, 6), 1), _t((2, 4, 6), 2)
    _sync(ours, theirs, q, v, k)
    q_mask = torch.tensor([[True, True, True, False, False], [True] * 5])
    v_mask = torch.tensor([[True, True, False, False], [True, False, True, True]])
    k_mask = torch.tensor([[True, False, True, True], [True, True, True, False]])
    att = torch.from_numpy(np.random.default_rng(9).random((2, 5, 4)) > 0.3)
    use = {w: which in (w, "all") for w in ("query", "value", "key", "attention", "causal")}
    outs = [layer(_masked(q, q_mask if use["query"] else None),
                  _masked(v, v_mask if use["value"] else None),
                  key=_masked(k, k_mask if use["key"] else None),
                  attention_mask=att if use["attention"] else None, use_causal_mask=use["causal"],
                  return_attention_scores=scores)
            for layer in (ours, theirs)]
    if scores:
        _close(outs[0][0], outs[1][0])
        _close(outs[0][1], outs[1][1])
    else:
        _close(outs[0], outs[1])


def test_output_carries_query_mask():
    gqa = GroupedQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1)
    q_mask = torch.tensor([[True, False, True]])
    out = gqa(_masked(_t((1, 3, 4), 0), q_mask), _t((1, 2, 4), 1))
    assert torch.equal(out._keras_mask, q_mask)


def test_key_value_heads_are_shared_by_consecutive_query_heads():
    # Query heads 0,1 read key/value head 0 and heads 2,3 read head 1 (Keras's ops.repeat):
    # equal query kernels for heads 0 and 1 give equal scores for them.
    gqa = GroupedQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2, use_bias=False)
    q, v = _t((1, 3, 4), 0), _t((1, 5, 4), 1)
    gqa(q, v)
    weights = gqa.get_weights()
    weights[0][:, 1] = weights[0][:, 0]
    weights[0][:, 3] = weights[0][:, 0]
    gqa.set_weights(weights)
    _, scores = gqa(q, v, return_attention_scores=True)
    torch.testing.assert_close(scores[:, 0], scores[:, 1])
    assert not torch.allclose(scores[:, 0], scores[:, 3])


def test_dropout_only_in_training():
    gqa = GroupedQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, dropout=0.5, seed=1)
    q = _t((2, 5, 6), 0)
    y = gqa(q, q)
    torch.testing.assert_close(gqa(q, q), y, rtol=0, atol=0)
    assert not torch.allclose(gqa(q, q, training=True), y)
    _, scores = gqa(q, q, return_attention_scores=True, training=True)
    torch.testing.assert_close(scores.sum(-1), torch.ones(2, 4, 5))  # before dropout, as Keras


def test_gradients_reach_all_weights():
    gqa = GroupedQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, use_gate=True)
    q, v = _t((2, 5, 6), 0), _t((2, 4, 6), 1)
    gqa(q, v).square().sum().backward()
    assert len(gqa.trainable_weights) == 10
    assert all(w.grad is not None and float(w.grad.abs().sum()) > 0 for w in gqa.trainable_weights)


def test_regularizer_losses_match_keras():
    # As Keras, the activity regularizer runs on each projection and on the layer's outputs.
    kwargs = dict(head_dim=3, num_query_heads=4, num_key_value_heads=2, activity_regularizer="l2",
                  kernel_regularizer="l1", bias_regularizer="l2")
    ours, theirs = _pair(**kwargs)
    q = _t((2, 5, 6), 0)
    _sync(ours, theirs, q, q)
    for scores in (False, True):
        ours(q, q, return_attention_scores=scores)
        theirs(q, q, return_attention_scores=scores)
        assert len(ours.losses) == len(theirs.losses)
        np.testing.assert_allclose(sorted(float(x) for x in ours.losses),
                                   sorted(float(x) for x in theirs.losses), rtol=1e-5)


@pytest.mark.parametrize("kwargs", [
    dict(head_dim=3, num_query_heads=4, num_key_value_heads=2, name="attention"),
    dict(head_dim=2, num_query_heads=6, num_key_value_heads=3, dropout=0.1, use_bias=False,
         use_gate=True, sliding_window=4, kernel_initializer="he_normal", bias_initializer="ones",
         kernel_regularizer="l2", activity_regularizer="l2", bias_constraint="non_neg", seed=3,
         name="gqa"),
])
def test_config_matches_keras(kwargs):
    ours, theirs = _pair(**kwargs)
    q, v = _t((1, 3, 4), 0), _t((1, 2, 5), 1)
    theirs(q, v)
    ours(q, v)
    assert json.loads(json.dumps(ours.get_config())) == json.loads(json.dumps(theirs.get_config()))
    serialized = json.loads(json.dumps(serialize_keras_object(ours)))
    reference = json.loads(json.dumps(keras.saving.serialize_keras_object(theirs)))
    # keraton records an eager build's batch size as None.
    assert serialized.pop("build_config") == {"shapes_dict": {"query_shape": [None, 3, 4],
                                                              "value_shape": [None, 2, 5]}}
    reference.pop("build_config")
    assert serialized == reference
    assert serialized["class_name"] == "GroupQueryAttention"
    clone = GroupedQueryAttention.from_config(ours.get_config())
    clone.build_from_config(ours.get_build_config())
    clone.set_weights(ours.get_weights())
    torch.testing.assert_close(clone(q, v), ours(q, v))
    rebuilt = deserialize_keras_object(serialize_keras_object(ours))
    assert type(rebuilt) is GroupedQueryAttention and rebuilt.built
    assert rebuilt.get_config() == ours.get_config()


@pytest.mark.parametrize("kwargs,fragment,keras_refuses", [
    (dict(head_dim=2, num_query_heads=3, num_key_value_heads=2), "divisible", True),
    (dict(head_dim=2, num_query_heads=2, num_key_value_heads=1, sliding_window=0), "sliding_window",
     True),
    (dict(head_dim=2, num_query_heads=2, num_key_value_heads=1, dropout=0.1, flash_attention=True),
     "[Dd]ropout", True),
    # Keras fails later (ZeroDivisionError) or not at all on these; keraton says what is wrong.
    (dict(head_dim=0, num_query_heads=2, num_key_value_heads=1), "head_dim", False),
    (dict(head_dim=2, num_query_heads=2, num_key_value_heads=-1), "num_key_value_heads", False),
])
def test_bad_arguments(kwargs, fragment, keras_refuses):
    with pytest.raises(ValueError, match=fragment):
        GroupedQueryAttention(**kwargs)
    if keras_refuses:
        with pytest.raises(ValueError, match=fragment):
            keras.layers.GroupQueryAttention(**kwargs)


def test_scores_refused_with_flash_attention_forced_on_as_keras():
    ours, theirs = _pair(head_dim=2, num_query_heads=2, num_key_value_heads=1, flash_attention=True)
    q = _t((1, 3, 4), 0)
    for layer in (ours, theirs):
        with pytest.raises(ValueError, match="attention scores"):
            layer(q, q, return_attention_scores=True)


def test_bad_calls_name_the_layer():
    gqa = GroupedQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1, name="gqa")
    with pytest.raises(TypeError, match="'gqa'.*value"):
        gqa(_t((1, 3, 4), 0))
    with pytest.raises(ValueError, match="'gqa'.*3-D"):
        gqa(_t((1, 2, 3, 4), 0), _t((1, 2, 3, 4), 1))


@pytest.mark.parametrize("shapes", [
    ((None, 5, 6), (None, 4, 6), None),
    ((2, 5, 6), (2, 4, 6), (2, 4, 3)),
    ((2, 5, 6), (2, 4, 8), None),   # query and value sizes differ: refused, as Keras
    ((2, 5, 6), (2, 4, 6), (2, 3, 6)),  # key and value lengths differ: refused, as Keras
])
def test_compute_output_shape_matches_keras(shapes):
    ours, theirs = _pair(head_dim=2, num_query_heads=2, num_key_value_heads=1)
    try:
        want = tuple(theirs.compute_output_shape(*shapes))
    except ValueError:
        with pytest.raises(ValueError, match="must be equal"):
            ours.compute_output_shape(*shapes)
        return
    assert ours.compute_output_shape(*shapes) == want


def test_functional_model_with_scores():
    q_in, v_in = keraton.Input((5, 6)), keraton.Input((4, 6))
    out, scores = GroupedQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)(
        q_in, v_in, return_attention_scores=True)
    assert out.shape == (None, 5, 6)
    assert scores.shape == (None, 4, 5, 4)
    model = keraton.Model([q_in, v_in], [out, scores])
    got = model([_t((3, 5, 6), 0), _t((3, 4, 6), 1)])
    assert tuple(got[0].shape) == (3, 5, 6) and tuple(got[1].shape) == (3, 4, 5, 4)


def test_functional_self_attention_trains():
    inputs = keraton.Input((6, 4))
    x = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(
        inputs, inputs, use_causal_mask=True)
    model = keraton.Model(inputs, layers.Dense(1)(x))
    model.compile(optimizer="adam", loss="mse")
    x_data, y_data = _t((64, 6, 4), 0), _t((64, 6, 1), 1)
    history = model.fit(x_data, y_data, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def _model(lib, gqa_cls):
    tokens = lib.Input((5,), dtype="int32")
    x = lib.layers.Embedding(10, 6, mask_zero=True)(tokens)
    x = gqa_cls(head_dim=3, num_query_heads=4, num_key_value_heads=2, use_gate=True)(
        x, x, use_causal_mask=True)
    return lib.Model(tokens, lib.layers.Dense(3)(x))


@pytest.mark.parametrize("direction", [
    "keraton_to_keraton",
    "keras_to_keraton",
    "keraton_to_keras",
])
def test_keras_file_round_trip(tmp_path, direction):
    # A .keras file written by one library loads in the other with the same outputs
    # (and an Embedding's padding mask reaches the layer in both).
    src = keras if direction == "keras_to_keraton" else keraton
    model = _model(src, keras.layers.GroupQueryAttention if src is keras else GroupedQueryAttention)
    path = str(tmp_path / "m.keras")
    model.save(path)
    if direction.endswith("to_keras"):
        loaded = keras.saving.load_model(path)
    else:
        loaded = keraton.saving.load_model(path)
    tokens = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]], dtype=torch.int32)
    _close(model(tokens), loaded(tokens))


def test_embedding_masks_flow_like_keras():
    ours, theirs = _model(keraton, GroupedQueryAttention), _model(keras, keras.layers.GroupQueryAttention)
    weights = [np.random.default_rng(i).normal(size=w.shape).astype("float32")
               for i, w in enumerate(ours.get_weights())]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    tokens = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]], dtype=torch.int32)
    _close(ours(tokens), theirs(tokens))


@pytest.mark.parametrize("call,fused", [
    (dict(), True),
    (dict(use_causal_mask=True), True),
    (dict(attention_mask=torch.ones(2, 5, 5, dtype=torch.bool)), True),
    (dict(return_attention_scores=True), False),
])
def test_sdpa_fast_path(monkeypatch, call, fused):
    calls = []
    sdpa = torch.nn.functional.scaled_dot_product_attention
    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention",
                        lambda *a, **k: calls.append(k) or sdpa(*a, **k))
    gqa = GroupedQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)
    q = _t((2, 5, 4), 0)
    gqa(q, q, **call)
    assert len(calls) == (1 if fused else 0)
    if "use_causal_mask" in call:
        assert calls[0]["is_causal"] is True and calls[0]["attn_mask"] is None


def test_flash_attention_disabled_runs_the_einsum_path_with_equal_numbers(monkeypatch):
    q = _t((2, 5, 8), 0)
    fused = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    expected = fused(q, q).detach()
    keraton.config.disable_flash_attention()
    try:
        off = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    finally:
        keraton.config.enable_flash_attention()
    off(q, q)
    off.set_weights(fused.get_weights())

    def refuse(*args, **kwargs):
        raise AssertionError("the fused kernel ran although flash attention is off")

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", refuse)
    torch.testing.assert_close(off(q, q).detach(), expected, rtol=1e-5, atol=1e-6)
