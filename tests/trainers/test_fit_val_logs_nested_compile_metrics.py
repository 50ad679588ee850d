"""``fit``'s validation logs of a custom ``test_step`` returning ``compile_metrics`` nested.

A custom step returning ``{m.name: m.result() for m in self.metrics}`` gives
``{"loss": ..., "compile_metrics": {"accuracy": ...}}``. Keras 3 flattens the
validation logs before adding the ``val_`` prefix, so the history has
``val_accuracy`` and the training ``accuracy`` is kept (keras.io's ShiftViT
example monitors ``val_accuracy`` with ``EarlyStopping``). Numbers from Keras
3.15 (torch backend) on the same data.
"""

import numpy as np
import pytest

import keraton
from keraton import layers


class StepModel(keraton.Model):
    def __init__(self):
        super().__init__()
        self.d = layers.Dense(3)

    def call(self, x):
        return self.d(x)

    def train_step(self, data):
        x, y = data
        p = self.d(x)
        loss = self.compute_loss(y=y, y_pred=p)
        for m in self.metrics:
            if m.name == "loss":
                m.update_state(loss)
            else:
                m.update_state(y, p)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        return self.train_step(data)


def test_val_metrics_of_a_nested_compile_metrics_result():
    model = StepModel()
    x = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]]
    y = np.array([[0], [1], [2], [1], [1], [1]], "uint8")
    model(x[:2])
    model.set_weights([np.eye(3, dtype="float32"), np.zeros(3, "float32")])
    model.compile(optimizer="sgd",
                  loss=keraton.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keraton.metrics.SparseCategoricalAccuracy(name="accuracy")])
    history = model.fit(x, y, batch_size=2, epochs=1, validation_data=(x[:4], y[:4]),
                        verbose=0, shuffle=False)
    # Keras 3.15: {'accuracy': [0.6667], 'loss': [0.88478], 'val_accuracy': [0.75], 'val_loss': [0.80144]}
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["accuracy"][0] == pytest.approx(2 / 3, rel=1e-6)
    assert history.history["val_accuracy"][0] == pytest.approx(0.75, rel=1e-6)
    assert history.history["loss"][0] == pytest.approx(0.8847780227661133, rel=1e-5)
    assert history.history["val_loss"][0] == pytest.approx(0.8014446496963501, rel=1e-5)
