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


class RunningMean(L.Layer):
    """Keras 2 style: a (variable, new_value) pair through add_update."""

    def build(self, input_shape):
        self.mean = self.add_weight(name="mean", shape=(input_shape[-1],), initializer="zeros",
                                    trainable=False)

    def call(self, x):
        self.add_update([(self.mean, 0.9 * self.mean + 0.1 * K.mean(x, axis=0))], x)
        return x - self.mean


class Keras1Counter(L.Layer):
    """Keras 1 style: ``self.updates = [(variable, new_value)]`` in call."""

    def build(self, input_shape):
        self.count = K.variable(0.0)
        self.trainable_weights = []

    def call(self, x, mask=None):
        self.updates = [(self.count, self.count + 1)]
        return x


def test_assignment_pairs_apply_in_training_only():
    model = keraton.Sequential([keraton.Input((2,)), RunningMean(), Keras1Counter(), L.Dense(1)])
    model.compile("sgd", "mse")
    x = np.full((8, 2), 5.0, "float32")
    model.fit(x, np.zeros((8, 1)), batch_size=4, epochs=2, verbose=0, shuffle=False)
    # Four training steps: mean = 5 * (1 - 0.9**4); the counter counts the steps.
    np.testing.assert_allclose(K.get_value(model.layers[0].mean), [5 * (1 - 0.9 ** 4)] * 2, rtol=1e-6)
    assert float(K.get_value(model.layers[1].count)) == 4.0
    model.predict(x, verbose=0)
    model.evaluate(x, np.zeros((8, 1)), verbose=0)
    np.testing.assert_allclose(K.get_value(model.layers[0].mean), [5 * (1 - 0.9 ** 4)] * 2, rtol=1e-6)
    assert float(K.get_value(model.layers[1].count)) == 4.0 and model.layers[1].updates == []


def test_callable_add_loss_is_evaluated_at_every_step():
    # tf.keras 2: model.add_loss(lambda: ...) adds a loss recomputed from the current weights.
    inputs = keraton.Input((4,))
    dense = L.Dense(1, kernel_initializer="ones", use_bias=False)
    model = keraton.Model(inputs, dense(inputs))
    model.add_loss(lambda: K.mean(K.square(dense.kernel)))
    model.compile(keraton.optimizers.SGD(0.5))  # the added loss alone
    assert model.train_on_batch(np.ones((2, 4)), None) == pytest.approx(1.0)
    # d mean(k**2) / dk = 2k / 4 = 0.5 for each of the 4 ones: k -> 1 - 0.5 * 0.5.
    np.testing.assert_allclose(K.get_value(dense.kernel), np.full((4, 1), 0.75))
    np.testing.assert_allclose([float(v) for v in model.losses], [0.5625])  # mean(0.75**2)
    assert model.train_on_batch(np.ones((2, 4)), None) == pytest.approx(0.5625)


def test_nodes_of_a_shared_layer():
    a, b = keraton.Input((3,), name="a"), keraton.Input((5, 3), name="b")
    shared = L.Dense(2, name="shared")
    out_a, out_b = shared(a), shared(b)
    head = L.Dense(1)
    head(out_a)
    assert len(shared.inbound_nodes) == 2
    assert shared.get_input_at(0) is a and shared.get_input_at(1) is b
    assert shared.get_output_at(1) is out_b
    assert shared.get_input_shape_at(1) == (None, 5, 3)
    assert shared.get_output_shape_at(0) == (None, 2)
    assert [node.layer for node in shared.outbound_nodes] == [head]
    assert len(a._keras_history[0].outbound_nodes) == 1  # the InputLayer feeds `shared` once
    with pytest.raises(ValueError, match="only 2 inbound node"):
        shared.get_output_at(2)
    with pytest.raises(ValueError, match="multiple inbound nodes"):
        _ = shared.input_mask
    with pytest.raises(RuntimeError, match="never been called"):
        L.Dense(1).get_input_at(0)


def test_input_and_output_masks():
    tokens = keraton.Input((4,), dtype="int32")
    embedded = L.Embedding(10, 3, mask_zero=True)
    lstm = L.LSTM(2)
    lstm(embedded(tokens))
    assert embedded.input_mask is None
    assert tuple(embedded.output_mask.shape) == (None, 4)
    assert lstm.input_mask is embedded.output_mask
    assert lstm.get_output_mask_at(0) is None


def test_keras2_update_and_loss_queries():
    inputs = keraton.Input((3,))
    dense = L.Dense(2, kernel_regularizer=keraton.regularizers.L2(0.5),
                    activity_regularizer=keraton.regularizers.L1(1.0))
    model = keraton.Model(inputs, dense(inputs))
    model(torch.ones(1, 3))
    assert model.state_updates == [] and model.get_updates_for(None) == []
    kernel = dense.kernel.detach()
    (weight_loss,) = model.get_losses_for(None)
    assert float(weight_loss) == pytest.approx(0.5 * float((kernel ** 2).sum()), rel=1e-6)
    (activity_loss,) = model.get_losses_for(model.inputs)
    expected = float(torch.abs(torch.ones(1, 3) @ kernel + dense.bias.detach()).sum())
    assert float(activity_loss) == pytest.approx(expected, rel=1e-6)
