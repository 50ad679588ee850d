"""A model whose call updates its inputs in place leaves the data alone, as in Keras 2.

Keras (TensorFlow) hands every step fresh tensors copied from the NumPy data (keraton: fresh batch tensors),
so a layer written ``inputs *= 2.0`` (the antirectifier example's
``inputs -= K.mean(...)`` style) neither changes the caller's arrays nor the
data later epochs (and each epoch's validation) see.
"""

import numpy as np

import keraton


class Doubling(keraton.layers.Layer):
    def call(self, inputs):
        inputs *= 2.0
        return inputs


def _model():
    model = keraton.Sequential([keraton.Input((3,)), Doubling(),
                                keraton.layers.Dense(1, kernel_initializer="ones")])
    model.compile(keraton.optimizers.SGD(0.0), "mse")
    return model


def test_fit_evaluate_predict_leave_numpy_data_unchanged():
    x = np.arange(12, dtype="float32").reshape(4, 3)
    y = np.zeros((4, 1), dtype="float32")
    model = _model()
    model.fit(x, y, batch_size=2, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], [6.0, 24.0, 42.0, 60.0])
    model.train_on_batch(x, y)
    model.predict_on_batch(x)
    np.testing.assert_array_equal(x, np.arange(12, dtype="float32").reshape(4, 3))


def test_every_epoch_sees_the_same_data():
    x = np.arange(12, dtype="float32").reshape(4, 3)
    y = np.zeros((4, 1), dtype="float32")
    history = _model().fit(x, y, batch_size=2, epochs=3, verbose=0, shuffle=False,
                           validation_data=(x, y))
    # mean of (2 * row sum)^2 over the rows: (36 + 576 + 1764 + 3600) / 4
    np.testing.assert_allclose(history.history["loss"], [1494.0] * 3)
    np.testing.assert_allclose(history.history["val_loss"], [1494.0] * 3)
