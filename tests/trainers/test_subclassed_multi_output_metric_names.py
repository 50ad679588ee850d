"""Compiled metrics of a subclassed (output-name-less) multi-output model are not prefixed.

Keras 3 prefixes a metric with its output's name only when the model has
output names (functional); keras.io's "Consistency training" monitors
``val_accuracy`` for a subclassed model returning ``(student, teacher)``.
"""

import numpy as np

import keraton as keras


class _TwoOutputs(keras.Model):
    def __init__(self):
        super().__init__()
        self.a = keras.layers.Dense(2, kernel_initializer="ones")
        self.b = keras.layers.Dense(2, kernel_initializer="zeros")

    def call(self, x):
        return self.a(x), self.b(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return keras.ops.mean(y_pred[0])


def test_metric_names_without_output_prefix():
    x = np.ones((4, 3), "float32")
    y = np.zeros((4, 2), "float32")
    model = _TwoOutputs()
    model.compile(optimizer="sgd", metrics=[["mae"], []])
    history = model.fit(x, (y, y), epochs=1, verbose=0)
    assert sorted(history.history) == ["loss", "mae"]  # Keras 3.15
    logs = model.evaluate(x, (y, y), verbose=0, return_dict=True)
    # Keras 3.15: {'loss': 2.9799997806549072, 'mae': 2.9800000190734863}
    assert sorted(logs) == ["loss", "mae"]
    np.testing.assert_allclose([logs["loss"], logs["mae"]], [2.98, 2.98], rtol=1e-5)


def test_repeated_metric_names_are_numbered():
    x = np.ones((4, 3), "float32")
    y = np.zeros((4, 2), "float32")
    model = _TwoOutputs()
    model.compile(optimizer="sgd", metrics=[["mae"], ["mae"]])
    logs = model.evaluate(x, (y, y), verbose=0, return_dict=True)
    assert sorted(logs) == ["loss", "mae", "mae_1"]  # Keras 3.15
    np.testing.assert_allclose([logs["mae"], logs["mae_1"]], [3.0, 0.0], rtol=1e-6)
