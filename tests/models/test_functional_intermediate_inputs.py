"""A functional model may start at intermediate tensors: they become new ``Input``s, as Keras 3.

Keras 3 (``clone_graph_nodes``) replaces each model input that is not an
``Input`` tensor (``keras.Model(normalizer(x), y)``) by a new ``Input`` of its
shape and dtype; the layers before it are left out of the model, which then
takes the intermediate values as inputs (keras.io's "Structured data
classification from scratch" builds its model that way).
"""

import numpy as np
import pytest

import keraton

keras = pytest.importorskip("keras")


def _model(ns):
    age = ns.Input((1,), name="age")
    sex = ns.Input((2,), name="sex")
    normalizer = ns.layers.Normalization(mean=50.0, variance=100.0)
    inputs = {"age": normalizer(age), "sex": sex}
    hidden = ns.layers.Dense(3, activation="relu")(ns.layers.concatenate(list(inputs.values())))
    model = ns.Model(inputs, ns.layers.Dense(1)(hidden))
    rng = np.random.RandomState(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model, normalizer


def test_intermediate_input_becomes_an_input_layer_and_its_producer_is_left_out():
    (ours, _), (theirs, _) = _model(keraton), _model(keras)
    kinds = [type(layer).__name__ for layer in ours.layers]
    assert kinds == [type(layer).__name__ for layer in theirs.layers] == [
        "InputLayer", "InputLayer", "Concatenate", "Dense", "Dense"]
    assert len(ours.inputs) == len(theirs.inputs) == 2
    assert [tuple(t.shape) for t in ours.inputs] == [tuple(t.shape) for t in theirs.inputs]
    assert ours.count_params() == theirs.count_params() == 16


def test_model_takes_the_intermediate_values_and_trains_like_keras():
    data = {"age": np.array([[0.5], [-1.0], [2.0], [0.0]], dtype="float32"),
            "sex": np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype="float32")}
    y = np.array([[1.0], [0.0], [2.0], [0.5]], dtype="float32")
    results = []
    for ns in (keraton, keras):
        model, _ = _model(ns)
        before = model.predict(data, verbose=0)
        model.compile("sgd", "mse")
        history = model.fit(data, y, epochs=2, batch_size=2, verbose=0, shuffle=False)
        results.append((before, history.history["loss"], model.predict(data, verbose=0)))
    # the Normalization layer is not applied: [[0.5]] reaches Dense as 0.5
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_the_original_graph_is_untouched():
    model, normalizer = _model(keraton)
    age = keraton.Input((1,), name="age")
    whole = keraton.Model(age, normalizer(age))  # the normalizer still works from a real Input
    np.testing.assert_allclose(whole.predict(np.array([[60.0]]), verbose=0), [[1.0]])
