"""keras.io example idioms (ops inside layers, add_loss heads, RNN after predict) on keraton.

Each case runs with ``keras`` bound to real Keras 3 (torch backend) and to
keraton; with equal weights the numbers must agree.
"""

import numpy as np
import pytest

import keraton

keras3 = pytest.importorskip("keras")


def _set_weights(model, seed=0, scale=0.2):
    rng = np.random.RandomState(seed)
    model.set_weights([(rng.normal(size=w.shape) * scale).astype(w.dtype)
                       for w in model.get_weights()])


def _lstm_predict_then_fit(keras):
    inp = keras.Input((5, 3))
    out = keras.layers.Dense(1)(keras.layers.LSTM(4)(inp))
    model = keras.Model(inp, out)
    _set_weights(model)
    x = np.random.RandomState(1).rand(4, 5, 3).astype("float32")
    y = np.ones((4, 1), "float32")
    model.predict(x, verbose=0)  # first call under predict's inference mode
    model.compile(keras.optimizers.SGD(0.1), "mse")
    return model.fit(x, y, batch_size=2, epochs=1, verbose=0, shuffle=False).history["loss"]


def test_lstm_fit_after_predict():
    """LSTM's cached zero bias was made as an inference tensor by predict; fit then failed."""
    np.testing.assert_allclose(_lstm_predict_then_fit(keraton), _lstm_predict_then_fit(keras3),
                               rtol=1e-5)


def _add_loss_only(keras):
    class PenaltyLayer(keras.layers.Layer):
        def call(self, y_true, y_pred):
            self.add_loss(keras.ops.mean(keras.ops.square(y_true - y_pred)))
            return y_pred

    x_in = keras.Input((3,), name="x")
    t_in = keras.Input((2,), name="t")
    pred = keras.layers.Dense(2, name="d")(x_in)
    out = PenaltyLayer()(t_in, pred)
    model = keras.Model([x_in, t_in], out)
    _set_weights(model)
    rs = np.random.RandomState(2)
    data = {"x": rs.rand(6, 3).astype("float32"), "t": rs.rand(6, 2).astype("float32")}
    model.compile(optimizer=keras.optimizers.SGD(0.1))  # no loss: only add_loss (OCR example)
    history = model.fit(data, epochs=2, batch_size=3, verbose=0, shuffle=False).history["loss"]
    return history + [model.evaluate(data, verbose=0)]


def test_fit_with_only_add_loss_and_no_compiled_loss():
    np.testing.assert_allclose(_add_loss_only(keraton), _add_loss_only(keras3), rtol=1e-5)


def _symbolic_operators(keras):
    ops = keras.ops
    a = keras.Input((4,))
    outs = [ops.where(a > 0.5, a, -a), ops.cast(a >= 0.25, "float32"),
            ops.cast((a < 0.3) | (a <= 0.1), "float32"), ops.cast(~(a > 0.5) & (a > 0.2), "float32"),
            a ** 2, 2.0 ** a, a // 0.3, a % 0.3, abs(a - 0.5),
            ops.expand_dims(a, 1) @ ops.expand_dims(a, 2)]
    model = keras.Model(a, outs)
    x = np.random.RandomState(3).rand(3, 4).astype("float32")
    return [np.asarray(r) for r in model.predict(x, verbose=0)]


def test_comparison_and_arithmetic_operators_on_symbolic_inputs():
    for mine, ref in zip(_symbolic_operators(keraton), _symbolic_operators(keras3)):
        np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-6)


def _single_target_two_outputs(keras):
    inp = keras.Input((3,))
    hidden = keras.layers.Dense(4, name="hidden")(inp)
    out = keras.layers.Dense(2, name="out")(hidden)
    model = keras.Model(inp, [out, hidden])
    _set_weights(model)
    model.compile(keras.optimizers.SGD(0.1), loss=["mse", None])  # GPT example: loss=[fn, None]
    rs = np.random.RandomState(4)
    x, y = rs.rand(6, 3).astype("float32"), rs.rand(6, 2).astype("float32")
    return model.fit(x, y, epochs=2, batch_size=3, verbose=0, shuffle=False).history["loss"]


def test_single_target_for_the_only_output_with_a_loss():
    np.testing.assert_allclose(_single_target_two_outputs(keraton),
                               _single_target_two_outputs(keras3), rtol=1e-5)


def _validation_data_without_targets(keras):
    class PenaltyLayer(keras.layers.Layer):
        def call(self, x):
            self.add_loss(keras.ops.mean(keras.ops.square(x)))
            return x

    inp = keras.Input((3,))
    model = keras.Model(inp, PenaltyLayer()(keras.layers.Dense(2)(inp)))
    _set_weights(model)
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    x = np.random.RandomState(5).rand(6, 3).astype("float32")
    history = model.fit(x, epochs=2, batch_size=3, verbose=0, shuffle=False, validation_data=(x,))
    return history.history["val_loss"]


def test_validation_data_as_a_one_tuple():
    np.testing.assert_allclose(_validation_data_without_targets(keraton),
                               _validation_data_without_targets(keras3), rtol=1e-5)
