"""A functional model built on a dict of inputs lists them in sorted-key order, as Keras 3."""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def _model(ns):
    enc = ns.Input((3,), name="encoder_inputs")
    dec = ns.Input((2,), name="decoder_inputs")
    out = ns.layers.Dense(1)(ns.layers.Concatenate()([enc, ns.layers.Dense(3)(dec)]))
    model = ns.Model({"encoder_inputs": enc, "decoder_inputs": dec}, out)
    rng = np.random.RandomState(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model


def test_dict_inputs_are_listed_in_sorted_key_order():
    ours, theirs = _model(keraton), _model(keras)
    assert [t.name for t in ours.inputs] == [t.name for t in theirs.inputs] == [
        "decoder_inputs", "encoder_inputs"]
    assert [tuple(t.shape) for t in ours.inputs] == [tuple(t.shape) for t in theirs.inputs]


def test_dict_input_model_still_trains_and_predicts_like_keras():
    data = {"encoder_inputs": np.arange(12, dtype="float32").reshape(4, 3) / 10,
            "decoder_inputs": np.arange(8, dtype="float32").reshape(4, 2) / 10}
    y = np.array([[0.1], [0.2], [0.3], [0.4]], dtype="float32")
    results = []
    for ns in (keraton, keras):
        model = _model(ns)
        model.compile("sgd", "mse")
        history = model.fit(data, y, epochs=2, batch_size=2, verbose=0, shuffle=False)
        results.append((history.history["loss"], model.predict(data, verbose=0)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-6)
