"""Keras 2.0-2.2's ``callback.validation_data``: the validation arrays a custom callback reads."""

import numpy as np
import pytest

import keraton as keras


class Recorder(keras.callbacks.Callback):
    def __init__(self):  # Keras 2 callbacks often skip super().__init__()
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(self.validation_data)


def _two_output_model():
    inputs = [keras.Input((3,), name="a"), keras.Input((2,), name="b")]
    merged = keras.layers.Concatenate()(inputs)
    return keras.Model(inputs, [keras.layers.Dense(1, name="p")(merged),
                                keras.layers.Dense(2, name="q")(merged)])


@pytest.mark.parametrize("weighted", [False, True])
def test_inputs_targets_then_one_weight_array_per_output(weighted):
    rng = np.random.default_rng(0)
    xa, xb = rng.random((20, 3), "float32"), rng.random((20, 2), "float32")
    yp, yq = rng.random((20, 1), "float32"), rng.random((20, 2), "float32")
    model = _two_output_model()
    model.compile("sgd", "mse")
    weights = [np.arange(5, dtype="float32"), np.full(5, 2.0, "float32")]
    validation = ([xa[:5], xb[:5]], [yp[:5], yq[:5]]) + ((weights,) if weighted else ())
    recorder = Recorder()
    model.fit([xa, xb], [yp, yq], epochs=2, verbose=0, validation_data=validation,
              callbacks=[recorder])
    arrays = recorder.seen[-1]
    expected = [xa[:5], xb[:5], yp[:5], yq[:5]] + (weights if weighted else [np.ones(5)] * 2)
    assert len(arrays) == len(expected) and len(recorder.seen) == 2
    for got, want in zip(arrays, expected, strict=True):
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, want)


def test_validation_split_gives_the_split_off_rows_and_none_without_validation():
    x = np.arange(40, dtype="float32").reshape(20, 2)
    y = np.arange(20, dtype="float32")[:, None]
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    recorder = Recorder()
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[recorder])
    np.testing.assert_array_equal(recorder.seen[0][0], x[15:])
    np.testing.assert_array_equal(recorder.seen[0][1], y[15:])
    plain = Recorder()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[plain])
    assert plain.seen == [None]
