"""``ReduceLROnPlateau``'s message and new rate, as Keras 3 prints them (float32 rates)."""

import numpy as np
import pytest

import keraton


def _fit(K, capsys):
    model = K.Sequential([K.Input((2,)), K.layers.Dense(1)])
    model.set_weights([np.ones((2, 1), "float32"), np.zeros((1,), "float32")])
    model.compile(optimizer=K.optimizers.SGD(learning_rate=1e-4), loss="mse")
    x = np.ones((4, 2), "float32")
    callback = K.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1,
                                             min_delta=10.0, verbose=1)
    history = model.fit(x, np.zeros((4, 1), "float32"), epochs=3, verbose=0, callbacks=[callback])
    lines = [line for line in capsys.readouterr().out.splitlines() if "ReduceLROnPlateau" in line]
    return lines, history.history["learning_rate"], float(model.optimizer.learning_rate)


def test_message_and_rates_equal_keras(capsys):
    keras = pytest.importorskip("keras")
    theirs = _fit(keras, capsys)
    ours = _fit(keraton, capsys)
    assert ours[0] == theirs[0]
    assert ours[0][0].endswith("reducing learning rate to 4.999999873689376e-05.")
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2] == theirs[2]
