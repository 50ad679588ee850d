"""Keras 2.x's ``trainable_weights``/``non_trainable_weights`` setters (Keras 1 style custom layers)."""

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K
from keraton import initializers
from keraton.layers import Layer


class Attention(Layer):
    """The Keras 1 era attention layer of many blog posts: weights declared with the setter."""

    def __init__(self, **kwargs):
        self.init = initializers.get("normal")
        self.supports_masking = True
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.W = K.variable(self.init((input_shape[-1],)), name="att_W")
        self.trainable_weights = [self.W]
        super().build(input_shape)

    def call(self, x, mask=None):
        eij = K.tanh(K.squeeze(K.dot(x, K.expand_dims(self.W)), axis=-1))
        ai = K.exp(eij)
        weights = ai / K.expand_dims(K.sum(ai, axis=1), -1)
        return K.sum(x * K.expand_dims(weights), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


def _numpy_attention(x, w):
    e = np.exp(np.tanh(x @ w))
    a = e / e.sum(1, keepdims=True)
    return (x * a[..., None]).sum(1)


def test_keras1_attention_layer_computes_and_trains(tmp_path):
    torch.manual_seed(0)
    model = keraton.Sequential([keraton.Input((5, 3)), Attention(), keraton.layers.Dense(1)])
    attention = model.layers[0]
    assert [tuple(w.shape) for w in attention.trainable_weights] == [(3,)]
    assert model.count_params() == 3 + 4
    x = np.random.default_rng(0).normal(size=(6, 5, 3)).astype("float32")
    got = keraton.Model(model.inputs, attention.output).predict(x, verbose=0)
    np.testing.assert_allclose(got, _numpy_attention(x, K.get_value(attention.W)), rtol=1e-5)

    model.compile("sgd", "mse")
    before = K.get_value(attention.W).copy()
    model.fit(x, np.ones((6, 1), "float32"), epochs=2, verbose=0)
    assert not np.allclose(K.get_value(attention.W), before)  # the setter's weight trains
    model.save_weights(tmp_path / "w.weights.h5")
    clone = keraton.Sequential([keraton.Input((5, 3)), Attention(), keraton.layers.Dense(1)])
    clone.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_setters_split_and_replace_own_weights():
    layer = Layer()
    kept = layer.add_weight(shape=(2,), initializer="ones", name="kept", trainable=False)
    dropped = layer.add_weight(shape=(3,), initializer="ones", name="dropped")
    fresh = K.variable(np.zeros(4), name="fresh")  # never an attribute: registered by the setter
    layer.trainable_weights = [fresh]
    assert layer.trainable_weights == [fresh] and layer.non_trainable_weights == [kept]
    assert all(w is not dropped for w in layer.weights)
    assert any(p is fresh for p in layer.parameters())
    layer.non_trainable_weights = [fresh]
    assert layer.trainable_weights == [] and not fresh.trainable and not fresh.requires_grad
    with pytest.raises(TypeError, match="list of variables"):
        layer.trainable_weights = [np.zeros(2)]
