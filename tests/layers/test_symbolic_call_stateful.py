"""Shape inference must not advance a stateful RNN's states (Keras builds symbolically)."""

import numpy as np

import keraton
from keraton import layers


def _stateful_model():
    model = keraton.Sequential([
        layers.Input(batch_shape=(2, 3, 1)),
        layers.LSTM(4, stateful=True),
        layers.Dense(1),
    ])
    rng = np.random.RandomState(0)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return model


def test_nesting_a_stateful_model_keeps_its_zero_states():
    x = np.ones((2, 3, 1), "float32")
    expected = _stateful_model().predict(x, batch_size=2, verbose=0)
    inner = _stateful_model()
    outer = keraton.Sequential([layers.Input(batch_shape=(2, 3, 1)), inner])
    for state in inner.layers[0].states:
        np.testing.assert_array_equal(np.asarray(state), 0.0)
    np.testing.assert_allclose(outer.predict(x, batch_size=2, verbose=0), expected, rtol=1e-6)
