"""A model with its own ``train_step`` may be fed data whose shape differs from its inputs.

keras.io's metric-learning example feeds ``(2, classes, h, w, c)`` anchor/positive
stacks to a model taking ``(h, w, c)`` and splits them in ``train_step``; keraton
refused the batches before the step ran ("expects data of shape ..."). As in
Keras 3, only a model using the built-in steps has its data checked up front.
"""

import numpy as np
import pytest
import torch

import keraton

keras = pytest.importorskip("keras")


def make_model(lib):
    class PairModel(lib.Model):
        def train_step(self, data):
            if isinstance(data, (tuple, list)):
                data = data[0]
            self.zero_grad()
            a = self(data[:, 0], training=True)
            b = self(data[:, 1], training=True)
            loss = lib.ops.mean((a - b) ** 2) + lib.ops.mean((a - 1.0) ** 2)
            loss.backward()
            variables = list(self.trainable_variables)
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in variables], variables)
            self.tracker.update_state(loss)
            return {"loss": self.tracker.result()}

    inputs = lib.Input((4,))
    model = PairModel(inputs, lib.layers.Dense(3)(inputs))
    model.tracker = lib.metrics.Mean(name="loss")
    rs = np.random.RandomState(0)
    model.set_weights([rs.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer=lib.optimizers.SGD(0.1))
    return model


def test_custom_train_step_gets_differently_shaped_data_as_keras3():
    x = np.random.RandomState(1).normal(size=(12, 2, 4)).astype("float32")
    histories = []
    for lib in (keraton, keras):
        model = make_model(lib)
        history = model.fit(x, batch_size=4, epochs=2, shuffle=False, verbose=0)
        histories.append(history.history["loss"])
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-5)


def test_built_in_step_still_checks_the_shape():
    inputs = keraton.Input((4,))
    model = keraton.Model(inputs, keraton.layers.Dense(3)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"expects data of shape \(None, 4\)"):
        model.fit(np.zeros((6, 2, 4), "float32"), np.zeros((6, 3), "float32"), verbose=0)
