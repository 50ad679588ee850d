"""Attention and AdditiveAttention against real Keras 3 with copied weights, over options and masks."""

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
    y = x.clone()
    if mask is not None:
        y._keras_mask = mask
    return y


def _close(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().cpu().numpy(), rtol=1e-5, atol=1e-5)


LAYERS = [
    ("Attention", dict()),
    ("Attention", dict(use_scale=True)),
    ("Attention", dict(score_mode="concat")),
    ("Attention", dict(use_scale=True, score_mode="concat")),
    ("AdditiveAttention", dict()),
    ("AdditiveAttention", dict(use_scale=False)),
]

Q_MASK = torch.tensor([[True, True, False], [True, True, True]])
V_MASK = torch.tensor([[True, False, True, True], [False, False, True, True]])


def _pair(name, kwargs, q, v):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    ours([q, v])
    theirs([q, v])
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    weights = [np.asarray(np.random.default_rng(i).uniform(0.5, 1.5, size=w.shape), "float32")
               for i, w in enumerate(ours.get_weights())]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


@pytest.mark.parametrize("name,kwargs", LAYERS)
@pytest.mark.parametrize("masks", [None, "value", "both", "keras_mask"])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("scores", [False, True])
def test_matches_keras(name, kwargs, masks, causal, scores):
    _compare(name, kwargs, masks == "both", masks, causal, scores)


@pytest.mark.parametrize("name,kwargs", LAYERS)
@pytest.mark.parametrize("scores", [False, True])
def test_key_input_matches_keras(name, kwargs, scores):
    _compare(name, kwargs, True, "value", False, scores)


def _compare(name, kwargs, with_key, masks, causal, scores):
    q, v, k = _t((2, 3, 5), 0), _t((2, 4, 5), 1), _t((2, 4, 5), 2)
    ours, theirs = _pair(name, kwargs, q, v)
    call = dict(use_causal_mask=causal, return_attention_scores=scores)
    if masks == "value":
        call["mask"] = [None, V_MASK]
    elif masks == "both":
        call["mask"] = [Q_MASK, V_MASK]
    outs = []
    for layer in (ours, theirs):
        if masks == "keras_mask":
            inputs = [_masked(q, Q_MASK), _masked(v, V_MASK)]
        else:
            inputs = [q, v]
        if with_key:
            inputs.append(k)
        outs.append(layer(inputs, **call))
    if scores:
        _close(outs[0][0], outs[1][0])
        _close(outs[0][1], outs[1][1])
        assert tuple(outs[0][1].shape) == (2, 3, 4)
    else:
        _close(outs[0], outs[1])


def test_hand_computation_dot():
    q = torch.tensor([[[1.0, 0.0]]])
    v = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])
    out, w = layers.Attention()([q, v], return_attention_scores=True)
    # scores = [1, 3]; softmax = [1/(1+e^2), e^2/(1+e^2)]
    p = float(1.0 / (1.0 + np.exp(2.0)))
    torch.testing.assert_close(w, torch.tensor([[[p, 1 - p]]]))
    torch.testing.assert_close(out, torch.tensor([[[p * 1 + (1 - p) * 3, p * 2 + (1 - p) * 4]]]))


def test_query_mask_zeroes_output_and_is_output_mask():
    q, v = _masked(_t((2, 3, 5), 0), Q_MASK), _t((2, 4, 5), 1)
    out = layers.Attention()([q, v])
    assert float(out[0, 2].abs().sum()) == 0.0
    assert float(out[0, 1].abs().sum()) > 0.0
    assert torch.equal(out._keras_mask, Q_MASK)


def test_dropout_training_only():
    q, v = _t((2, 3, 5), 0), _t((2, 4, 5), 1)
    layer = layers.Attention(dropout=0.5, seed=1)
    y = layer([q, v])
    torch.testing.assert_close(layer([q, v]), y, rtol=0, atol=0)
    _, w = layer([q, v], training=True, return_attention_scores=True)
    # Keras returns the weights after dropout: some are zero, the others scaled by 2.
    assert bool((w == 0).any())
    assert not torch.allclose(layer([q, v], training=True), y)


@pytest.mark.parametrize("name,kwargs", LAYERS)
def test_config_matches_keras(name, kwargs):
    keras.backend.clear_session()
    kwargs = dict(kwargs, dropout=0.2)
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    assert json.loads(json.dumps(ours.get_config())) == json.loads(json.dumps(theirs.get_config()))
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(ours))))
    assert type(rebuilt) is type(ours) and rebuilt.get_config() == ours.get_config()


def test_functional_with_scores_and_masks():
    q_in, v_in = keraton.Input((3, 5)), keraton.Input((4, 5))
    out, w = layers.Attention(use_scale=True)([q_in, v_in], return_attention_scores=True,
                                               use_causal_mask=True)
    assert out.shape == (None, 3, 5) and w.shape == (None, 3, 4)
    model = keraton.Model([q_in, v_in], [out, w])
    got = model([_t((2, 3, 5), 0), _t((2, 4, 5), 1)])
    assert tuple(got[1].shape) == (2, 3, 4)
    # Causal: query 0 attends only to value 0.
    torch.testing.assert_close(got[1][:, 0, 1:], torch.zeros(2, 3))


@pytest.mark.parametrize("inputs,fragment", [
    (lambda: _t((2, 3, 5), 0), "list of inputs"),
    (lambda: [_t((2, 3, 5), 0)], "2 or 3"),
    (lambda: [_t((2, 3, 5), 0)] * 4, "2 or 3"),
])
def test_bad_inputs_name_the_layer(inputs, fragment):
    layer = layers.Attention(name="att")
    with pytest.raises(ValueError, match=fragment) as info:
        layer(inputs())
    assert "'att'" in str(info.value)


def test_bad_mask_and_score_mode():
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="additive")
    layer = layers.Attention(name="att")
    with pytest.raises(ValueError, match="'att'.*mask"):
        layer([_t((2, 3, 5), 0), _t((2, 4, 5), 1)], mask=Q_MASK)


def test_embedding_masks_flow_in_functional_model_like_keras():
    def build(lib):
        q_tokens, v_tokens = lib.Input((3,), dtype="int32"), lib.Input((4,), dtype="int32")
        embed = lib.layers.Embedding(10, 5, mask_zero=True)
        out = lib.layers.Attention(use_scale=True)([embed(q_tokens), embed(v_tokens)])
        return lib.Model([q_tokens, v_tokens], out)

    keras.backend.clear_session()
    ours, theirs = build(keraton), build(keras)
    weights = [np.random.default_rng(i).uniform(0.5, 1.5, size=w.shape).astype("float32")
               for i, w in enumerate(ours.get_weights())]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    q = torch.tensor([[1, 2, 0], [3, 4, 5]], dtype=torch.int32)
    v = torch.tensor([[1, 0, 2, 0], [6, 7, 8, 9]], dtype=torch.int32)
    got = ours([q, v])
    _close(got, theirs([q, v]))
    assert float(got[0, 2].detach().abs().sum()) == 0.0
