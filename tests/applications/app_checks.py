"""Assertions shared by the application tests (Keras 3 as the oracle)."""

import numpy as np


def assert_same_architecture(reference, ours):
    """Parameter count, output shape, layer names and weight shapes equal to Keras's."""
    assert ours.count_params() == reference.count_params()
    assert tuple(ours.outputs[0].shape) == tuple(reference.output_shape)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in reference.layers]
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in reference.get_weights()]


def assert_same_predictions(reference, ours, images, rtol=1e-4, atol=1e-4):
    """Copy Keras's weights into keraton's model and compare predictions."""
    ours.set_weights(reference.get_weights())
    expected = reference.predict(images, verbose=0)
    got = ours.predict(images, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def build_pair(keras_module, ours_module, name, **kwargs):
    """Keras's and keraton's ``name`` application (``weights=None``), from fresh name counters."""
    import keras

    import keraton.backend

    keras.backend.clear_session()
    keraton.backend.clear_session()
    return (getattr(keras_module, name)(weights=None, **kwargs),
            getattr(ours_module, name)(weights=None, **kwargs))


def recorded_call(module, builder, monkeypatch, constructor):
    """The arguments ``constructor`` passes to ``module.<builder>`` (nothing is built)."""
    calls = []
    monkeypatch.setattr(module, builder, lambda *args, **kwargs: calls.append((args, kwargs)))
    constructor()
    return calls[0]
