"""``add_loss`` with a non-scalar value (keras.io OCR's per-sample CTC loss): Keras 3 sums its entries."""

import numpy as np
import pytest

import keraton


def _model(lib):
    class PerSampleLoss(lib.layers.Layer):
        def call(self, y_true, y_pred):
            self.add_loss(lib.ops.square(y_true - y_pred))  # shape (batch, 1)
            return y_pred

    x_in = lib.Input((3,), name="x")
    y_in = lib.Input((1,), name="y")
    dense = lib.layers.Dense(1)
    out = PerSampleLoss()(y_in, dense(x_in))
    model = lib.Model([x_in, y_in], out)
    model.set_weights([np.array([[0.1], [-0.2], [0.3]], "float32"), np.array([0.05], "float32")])
    model.compile(optimizer=lib.optimizers.SGD(0.01))
    return model


X = {"x": np.arange(12, dtype="float32").reshape(4, 3) / 10,
     "y": np.array([[1.0], [0.0], [2.0], [-1.0]], "float32")}


def test_non_scalar_added_loss_is_summed():
    model = _model(keraton)
    history = model.fit(X, batch_size=4, epochs=2, verbose=0, shuffle=False)
    score = model.evaluate(X, verbose=0)
    keras = pytest.importorskip("keras")
    ref = _model(keras)
    ref_history = ref.fit(X, batch_size=4, epochs=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history["loss"], ref_history.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(score, ref.evaluate(X, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], ref.get_weights()[0], rtol=1e-5)


def test_summed_value_by_hand():
    model = _model(keraton)
    pred = X["x"] @ np.array([[0.1], [-0.2], [0.3]]) + 0.05
    expected = float(np.sum((X["y"] - pred) ** 2))
    np.testing.assert_allclose(model.evaluate(X, verbose=0), expected, rtol=1e-5)
