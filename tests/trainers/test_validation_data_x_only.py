"""``fit(validation_data=x_val)`` with inputs alone (no tuple), as Keras 3 accepts."""

import numpy as np
import torch

import keraton


class _SelfSupervised(keraton.Model):
    """Computes its own loss in test_step from the inputs only."""

    def __init__(self):
        super().__init__()
        self.dense = keraton.layers.Dense(2, kernel_initializer="ones")
        self.tracker = keraton.metrics.Mean(name="err")

    @property
    def metrics(self):
        return [self.tracker]

    def call(self, x):
        return self.dense(x)

    def train_step(self, x):
        self.tracker.update_state(torch.mean(self(x)))
        return {"err": self.tracker.result()}

    def test_step(self, x):
        self.tracker.update_state(torch.mean(self(x)))
        return {"err": self.tracker.result()}


def test_validation_data_array_is_x_only():
    model = _SelfSupervised()
    model.compile(optimizer="sgd")
    x = np.ones((4, 3), "float32")
    x_val = np.full((2, 3), 2.0, "float32")
    history = model.fit(x, validation_data=x_val, epochs=1, batch_size=2, verbose=0)
    assert sorted(history.history) == ["err", "val_err"]
    # dense(ones * 2) = 3 * 2 = 6 per unit (zero bias)
    np.testing.assert_allclose(history.history["val_err"], [6.0])


class _DictSelfSupervised(_SelfSupervised):
    def call(self, x):
        return self.dense(x["a"])

    def test_step(self, batch):
        self.tracker.update_state(torch.mean(self.dense(batch["a"])) + torch.mean(batch["b"]))
        return {"err": self.tracker.result()}

    train_step = test_step


def test_validation_data_dict_is_x_only():
    model = _DictSelfSupervised()
    model.compile(optimizer="sgd")
    x = {"a": np.ones((4, 3), "float32"), "b": np.zeros((4, 1), "float32")}
    x_val = {"a": np.full((2, 3), 2.0, "float32"), "b": np.ones((2, 1), "float32")}
    history = model.fit(x, validation_data=x_val, epochs=1, batch_size=2, verbose=0)
    np.testing.assert_allclose(history.history["val_err"], [7.0])
