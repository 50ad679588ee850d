"""Keras 3 custom code (``keras.ops``, ``keras.Variable``, ``add_variable``) runs unchanged.

The same source is run with ``keras`` bound to real Keras 3 and to keraton;
with equal starting weights the outputs, a few SGD steps and a custom metric
must agree.
"""

import numpy as np
import pytest

import keraton

keras3 = pytest.importorskip("keras")

SOURCE = '''
class RBFDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.centers = self.add_weight(shape=(input_shape[-1], self.units),
                                       initializer="random_normal", name="centers")
        self.log_gamma = keras.Variable(0.0, name="log_gamma")

    def call(self, x):
        diff = keras.ops.expand_dims(x, -1) - keras.ops.expand_dims(self.centers, 0)
        dist = keras.ops.sum(keras.ops.square(diff), axis=1)
        return keras.ops.exp(-keras.ops.exp(self.log_gamma) * dist)


class MeanAbove(keras.metrics.Metric):
    def __init__(self, threshold=0.5, name="mean_above", **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = threshold
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        above = keras.ops.cast(keras.ops.greater(y_pred, self.threshold), "float32")
        self.total.assign_add(keras.ops.sum(above))
        self.count.assign_add(keras.ops.cast(keras.ops.size(above), "float32"))

    def result(self):
        return keras.ops.divide_no_nan(self.total, self.count)

    def reset_state(self):
        for v in self.variables:
            v.assign(keras.ops.zeros(v.shape, dtype=v.dtype))


def make_model():
    inputs = keras.Input((3,))
    h = RBFDense(4)(inputs)
    h = keras.ops.concatenate([h, keras.ops.mean(h, axis=-1, keepdims=True)], axis=-1)
    outputs = keras.layers.Dense(1, activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.5), "binary_crossentropy", metrics=[MeanAbove()])
    return model
'''


def _build(module):
    namespace = {"keras": module}
    exec(SOURCE, namespace)
    return namespace["make_model"]()


def test_custom_layer_metric_and_ops_train_like_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    theirs, ours = _build(keras3), _build(keraton)
    weights = [np.asarray(w) for w in theirs.get_weights()]
    ours.set_weights(weights)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    h_ours = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    for key in ("loss", "mean_above"):
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=1e-4, atol=1e-6)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-4, atol=1e-6)
