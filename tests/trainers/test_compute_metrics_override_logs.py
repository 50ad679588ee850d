"""A ``compute_metrics`` override's return value is the step's logs, as Keras 3 (keras.io BERT MLM)."""

import numpy as np
import pytest

import keraton


def _run(keras_module):
    """keras.io's MaskedLanguageModel pattern: summed per-token loss, own ``Mean`` tracker."""
    loss_fn = keras_module.losses.SparseCategoricalCrossentropy(reduction=None)
    loss_tracker = keras_module.metrics.Mean(name="loss")

    class MaskedLanguageModel(keras_module.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            loss = loss_fn(y, y_pred, sample_weight)
            loss_tracker.update_state(loss, sample_weight=sample_weight)
            return keras_module.ops.sum(loss)

        def compute_metrics(self, x, y, y_pred, sample_weight):
            return {"loss": loss_tracker.result()}

        @property
        def metrics(self):
            return [loss_tracker]

    rng = np.random.RandomState(0)
    inputs = keras_module.Input((4,), dtype="int64")
    x = keras_module.layers.Embedding(6, 3)(inputs)
    outputs = keras_module.layers.Dense(6, activation="softmax")(x)
    model = MaskedLanguageModel(inputs, outputs)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer=keras_module.optimizers.SGD(0.1))
    x = rng.randint(0, 6, size=(8, 4))
    y = rng.randint(0, 6, size=(8, 4))
    w = (rng.uniform(size=(8, 4)) < 0.5).astype("float32")
    history = model.fit(x, y, sample_weight=w, batch_size=4, epochs=2, shuffle=False, verbose=0)
    score = model.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0)
    return history.history, score


def test_compute_metrics_override_sets_fit_and_evaluate_logs():
    keras = pytest.importorskip("keras")
    expected_history, expected_score = _run(keras)
    keraton.backend.clear_session()
    history, score = _run(keraton)
    assert sorted(history) == sorted(expected_history) == ["loss"]
    # the tracker's weighted per-token mean, not the mean of the summed training loss
    np.testing.assert_allclose(history["loss"], expected_history["loss"], rtol=1e-5)
    np.testing.assert_allclose(score, expected_score, rtol=1e-5)
    assert history["loss"][0] < 3.0
