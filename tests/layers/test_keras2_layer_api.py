"""tf.keras 2's ``Layer.add_metric``, ``add_update`` and ``updates``, which Keras 3 dropped."""

import numpy as np
import pytest
import torch

import keraton
from keraton import backend as K

L = keraton.layers
X = np.arange(24, dtype="float32").reshape(8, 3) / 10.0
Y = np.ones((8, 1), dtype="float32")


class ReportsItsMean(L.Layer):
    """A VAE-style layer: ``self.add_metric(value, name=...)`` inside ``call``."""

    def call(self, inputs):
        self.add_metric(K.mean(inputs), name="activation_mean", aggregation="mean")
        return inputs


def test_add_metric_in_call_is_reported_by_fit_and_evaluate():
    model = keraton.Sequential([keraton.Input((3,)), ReportsItsMean(), L.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    # Two batches of equal size: the epoch's value is the mean of the inputs, every epoch.
    np.testing.assert_allclose(history.history["activation_mean"], [X.mean()] * 2, rtol=1e-6)
    result = model.evaluate(X[:4], Y[:4], return_dict=True, verbose=0)
    np.testing.assert_allclose(result["activation_mean"], X[:4].mean(), rtol=1e-6)


def test_symbolic_add_metric_on_a_functional_model():
    inputs = keraton.Input((3,))
    hidden = L.Dense(2, kernel_initializer="ones", bias_initializer="zeros")(inputs)
    model = keraton.Model(inputs, L.Dense(1)(hidden))
    model.add_metric(K.mean(hidden), name="hidden_mean")
    model.compile("sgd", "mse")
    result = model.evaluate(X, Y, batch_size=4, return_dict=True, verbose=0)
    np.testing.assert_allclose(result["hidden_mean"], X.sum(1).mean(), rtol=1e-6)  # 2 equal units
    assert "hidden_mean" in model.fit(X, Y, batch_size=4, verbose=0).history


@pytest.mark.parametrize("kwargs, message", [({}, "needs a name"),
                                             ({"name": "m", "aggregation": "sum"}, "aggregation")])
def test_add_metric_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        L.Layer().add_metric(torch.tensor(1.0), **kwargs)


def test_add_update_runs_callables_and_accepts_applied_updates():
    class Counting(L.Layer):
        def build(self, input_shape):
            self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False)
            self.moving = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                          trainable=False)

        def call(self, inputs):
            self.add_update([K.moving_average_update(self.moving, K.mean(inputs, axis=0), 0.5),
                             lambda: self.calls.assign_add(1.0)], inputs)
            return inputs

    layer = Counting()
    layer(torch.ones(2, 3))
    np.testing.assert_allclose(K.get_value(layer.moving), [0.5] * 3)
    assert float(layer.calls) == 1.0
    assert layer.updates == []
    layer.trainable = False  # tf.keras 2: a frozen layer's update callables do not run
    layer(torch.ones(2, 3))
    assert float(layer.calls) == 1.0
