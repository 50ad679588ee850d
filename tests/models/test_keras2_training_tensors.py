"""Keras 2's ``model.targets``/``sample_weights``/``total_loss``: symbolic, fed through ``K.function``."""

import numpy as np
import pytest
import torch

import keraton as keras
from keraton import backend as K


def _data(n=8):
    rng = np.random.default_rng(0)
    return (rng.random((n, 4), "float32"), np.eye(2, dtype="float32")[np.arange(n) % 2],
            rng.random((n, 1), "float32"))


def _two_output_model():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3, activation="relu", kernel_regularizer=keras.regularizers.L2(0.1))(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(2, activation="softmax", name="cls")(hidden),
                                 keras.layers.Dense(1, name="reg")(hidden)])
    model.compile("sgd", loss=["categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
    return model


def _reference_loss(model, x, y_cls, y_reg, w):
    cls, reg = model(torch.tensor(x))
    ce = -(torch.tensor(y_cls) * torch.log(cls.clamp(1e-7, 1 - 1e-7))).sum(-1)
    se = ((reg - torch.tensor(y_reg)) ** 2).mean(-1)
    w = torch.tensor(w)
    return (ce * w).mean() + 0.5 * (se * w).mean() + sum(model.losses)


def test_total_loss_and_its_gradients_match_the_compiled_loss():
    x, y_cls, y_reg = _data()
    model = _two_output_model()
    assert [t.name for t in model.targets] == ["cls_target", "reg_target"]
    assert [tuple(t.shape) for t in model.sample_weights] == [(None,), (None,)]
    weights = np.linspace(0.5, 2.0, 8).astype("float32")
    feed = model._feed_inputs + model._feed_sample_weights + model._feed_targets + [K.learning_phase()]
    grads = model.optimizer.get_gradients(model.total_loss, model.trainable_weights)
    run = K.function(feed, [model.total_loss] + grads)
    loss, *got = run([x, weights, weights, y_cls, y_reg, 0])
    reference = _reference_loss(model, x, y_cls, y_reg, weights)
    assert float(loss) == pytest.approx(float(reference), rel=1e-5)
    for g, r in zip(got, torch.autograd.grad(reference, model.trainable_weights), strict=True):
        np.testing.assert_allclose(g, r.numpy(), rtol=1e-4, atol=1e-7)


def test_train_function_from_total_loss_matches_train_on_batch():
    x, y_cls, y_reg = _data()
    model, reference = _two_output_model(), _two_output_model()
    feed = model.inputs + model.sample_weights + model.targets
    updates = model.optimizer.get_updates(params=model.trainable_weights, loss=model.total_loss)
    train = K.function(feed, [model.total_loss], updates=updates)
    ones = np.ones(8, "float32")
    for _ in range(3):
        loss = float(train([x, ones, ones, y_cls, y_reg])[0])
        expected = reference.train_on_batch(x, [y_cls, y_reg])[0]
        assert loss == pytest.approx(float(expected), rel=1e-5)
    for a, b in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_needs_a_compiled_graph_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    assert not hasattr(model, "total_loss")  # as Keras 2 before compile
    model.compile("sgd", "mse")
    total = model.total_loss
    assert model.total_loss is total  # built once per compile
    model.compile("sgd", "mae")
    assert model.total_loss is not total
    model._make_predict_function()  # Keras 2 servers call it; nothing to build
    model._make_train_function()


def test_a_subclass_may_use_the_names_for_its_own_attributes():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.total_loss = keras.metrics.Mean(name="total_loss")
            self.targets = ["mine"]

        def call(self, x):
            return self.dense(x)

    model = Custom()
    assert isinstance(model.total_loss, keras.metrics.Mean) and model.targets == ["mine"]
