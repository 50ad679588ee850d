"""A ``compute_loss`` override without ``training`` (pre-Keras-3.3 signature) works in fit and evaluate.

keras.io's knowledge-distillation ``Distiller`` overrides
``compute_loss(self, x, y, y_pred, sample_weight, allow_empty)``; Keras 3 passes
``training`` only to overrides that take it.
"""

import numpy as np
import pytest

import keraton


def _make(lib, with_training):
    class Scaled(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(1)
            self.seen = []

        def call(self, x):
            return self.dense(x)

    if with_training:
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            self.seen.append(training)
            return 2.0 * lib.ops.mean(lib.ops.square(y - y_pred))
    else:
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         allow_empty=False):
            self.seen.append(None)
            return 2.0 * lib.ops.mean(lib.ops.square(y - y_pred))
    Scaled.compute_loss = compute_loss
    model = Scaled()
    model(X[:1])
    model.set_weights([np.full((3, 1), 0.5, "float32"), np.zeros(1, "float32")])
    model.compile(optimizer=lib.optimizers.SGD(0.1))
    return model


X = np.arange(12, dtype="float32").reshape(4, 3) / 10
Y = np.ones((4, 1), "float32")


@pytest.mark.parametrize("with_training", [False, True])
def test_evaluate_and_fit_with_either_signature(with_training):
    model = _make(keraton, with_training)
    history = model.fit(X, Y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    score = model.evaluate(X, Y, verbose=0)
    assert model.seen == ([True, False] if with_training else [None, None])
    keras = pytest.importorskip("keras")
    ref = _make(keras, with_training)
    ref_history = ref.fit(X, Y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history["loss"], ref_history.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(score, ref.evaluate(X, Y, verbose=0), rtol=1e-5)
    assert ref.seen == model.seen
