"""Keras 2 stateful metric layers read their variables from before the batch, in fit and evaluate.

Keras 2 ran a stateful metric's update ops with the graph's outputs, so the
returned running value read the variables before the batch's updates, and
``add_update([(variable, value)])`` pairs ran in ``evaluate`` too.
"""

import numpy as np
import pytest

import keraton as keras
from keraton import backend as K


class RunningPositives(keras.layers.Layer):
    """Reads its count after updating it (old count + batch), in one of three update styles."""

    def __init__(self, style, **kwargs):
        super().__init__(name=f"positives_{style}", **kwargs)
        self.stateful = True
        self.style = style
        self.count = K.variable(0.0)

    def reset_states(self):
        K.set_value(self.count, 0.0)

    def __call__(self, y_true, y_pred):
        batch = K.sum(K.round(y_pred))
        if self.style == "update_add":
            self.add_update(K.update_add(self.count, batch))
        elif self.style == "pair":
            self.add_update([(self.count, self.count + batch)])
        else:
            self.add_update(K.update(self.count, self.count + batch))
        return self.count + batch


X = np.array([[2.0], [-1.0], [3.0], [4.0], [-2.0]], "float32")
Y = np.ones((5, 1), "float32")


@pytest.mark.parametrize("style", ["update_add", "pair", "update"])
def test_running_value_counts_each_batch_once(style):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(
        1, activation="sigmoid", kernel_initializer="ones", bias_initializer="zeros")])
    metric = RunningPositives(style)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", metrics=[metric])
    positives = float(np.sum(X > 0))
    history = model.fit(X, Y, batch_size=2, epochs=2, verbose=0, validation_data=(X, Y))
    assert history.history[metric.name] == [positives, positives]
    assert history.history[f"val_{metric.name}"] == [positives, positives]
    logs = model.evaluate(X, Y, batch_size=3, verbose=0, return_dict=True)
    assert logs[metric.name] == positives
    assert K.get_value(metric.count) == positives
