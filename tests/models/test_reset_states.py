"""Keras 2's ``Model.reset_states()``: resets every stateful layer, nested models included."""

import numpy as np
import pytest

import keraton
from keraton import layers


def _stateful_model():
    model = keraton.Sequential([
        layers.Input(batch_shape=(2, 3, 1)),
        layers.LSTM(4, stateful=True, return_sequences=True),
        layers.LSTM(3, stateful=True),
        layers.Dense(1),
    ])
    rng = np.random.RandomState(0)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return model


def test_model_reset_states_zeroes_every_stateful_layer():
    model = _stateful_model()
    x = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3, 1)
    first = model.predict(x, batch_size=2, verbose=0)
    again = model.predict(x, batch_size=2, verbose=0)
    assert not np.allclose(first, again)  # the states carried over
    with pytest.warns(UserWarning, match="reset_states"):
        model.reset_states()
    for layer in model.layers[:2]:
        for state in layer.states:
            np.testing.assert_array_equal(np.asarray(state), 0.0)
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), first, rtol=1e-6)


def test_model_reset_states_reaches_a_nested_model():
    inner = _stateful_model()
    outer = keraton.Sequential([layers.Input(batch_shape=(2, 3, 1)), inner])
    x = np.ones((2, 3, 1), "float32")
    first = outer.predict(x, batch_size=2, verbose=0)
    outer.predict(x, batch_size=2, verbose=0)
    outer.reset_states()
    for layer in inner.layers[:2]:
        for state in layer.states:
            np.testing.assert_array_equal(np.asarray(state), 0.0)
    np.testing.assert_allclose(outer.predict(x, batch_size=2, verbose=0), first, rtol=1e-6)
