"""Keras 2.1-2.2 stateful metric layers in ``compile(metrics=...)``: running values, reset per epoch."""

import numpy as np
import pytest

import keraton as keras
from keraton import backend as K


class TruePositives(keras.layers.Layer):
    """A Keras 2.2 style running count of true positives (threshold 0.5)."""

    def __init__(self, name="true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.stateful = True
        self.count = K.variable(0, dtype="int32")

    def reset_states(self):
        K.set_value(self.count, 0)

    def __call__(self, y_true, y_pred):
        hits = K.sum(K.cast(y_true, "int32") * K.cast(K.round(y_pred), "int32"))
        before = self.count * 1
        self.add_update(K.update_add(self.count, hits), inputs=[y_true, y_pred])
        return before + hits


class BatchMaxError(keras.layers.Layer):
    """A layer used as a plain (stateless) metric function."""

    def __call__(self, y_true, y_pred):
        return K.max(K.abs(y_true - y_pred))


def _fixed_model():
    """Predictions that do not change during fit (learning rate 0), known in advance."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.array([[4.0]], "float32"), np.zeros(1, "float32")])
    return model


def _data():
    x = np.linspace(-1, 1, 24, dtype="float32")[:, None]
    y = (np.arange(24) % 3 != 0).astype("float32")[:, None]
    return x, y


def _true_positives(x, y):
    return int(((x > 0) & (y == 1)).sum())  # sigmoid(4x) rounds to 1 exactly where x > 0


def test_running_value_per_epoch_reset_each_epoch_and_evaluate():
    x, y = _data()
    model = _fixed_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy",
                  metrics=[TruePositives(), BatchMaxError(name="max_error")])
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(logs["true_positives"]))
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[record],
                        validation_data=(x[:12], y[:12]))
    expected = _true_positives(x, y)
    assert history.history["true_positives"] == [expected, expected]
    assert history.history["val_true_positives"] == [_true_positives(x[:12], y[:12])] * 2
    per_batch = np.cumsum([_true_positives(x[i:i + 8], y[i:i + 8]) for i in range(0, 24, 8)])
    assert seen == list(per_batch) * 2  # the running count, restarted each epoch
    predictions = 1 / (1 + np.exp(-4 * x))
    batch_max = [np.abs(y[i:i + 8] - predictions[i:i + 8]).max() for i in range(0, 24, 8)]
    assert history.history["max_error"][0] == pytest.approx(np.mean(batch_max), rel=1e-5)
    results = model.evaluate(x, y, batch_size=5, return_dict=True, verbose=0)
    assert results["true_positives"] == expected
    assert model.evaluate(x, y, batch_size=5, return_dict=True, verbose=0)["true_positives"] == expected
