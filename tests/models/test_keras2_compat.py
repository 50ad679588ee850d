"""Keras 2 model methods: fit_generator & co., predict_classes/predict_proba, each warning once."""

import warnings

import numpy as np
import pytest
import torch

import keraton
from keraton.utils import keras2_names


@pytest.fixture(autouse=True)
def _forget_warnings():
    keras2_names._WARNED.clear()
    yield
    keras2_names._WARNED.clear()


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return x, y


def _model(units=2, activation="softmax"):
    model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(units, activation=activation)])
    model.compile(optimizer=keraton.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy"
                  if units > 1 else "binary_crossentropy")
    return model


def _batches(x, y, batch_size=16):
    while True:
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], y[i:i + batch_size]


def test_fit_generator_equals_fit_on_the_same_batches():
    x, y = _data()
    a, b = _model(), _model()
    b.set_weights(a.get_weights())
    with pytest.warns(UserWarning, match="Model.fit_generator.*Model.fit"):
        hist_a = a.fit_generator(_batches(x, y), steps_per_epoch=4, epochs=2, verbose=0)
    hist_b = b.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist_a.history["loss"], hist_b.history["loss"], rtol=1e-5)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    assert hist_a.history["loss"][1] < hist_a.history["loss"][0]


def test_evaluate_and_predict_generator_equal_evaluate_and_predict():
    x, y = _data()
    model = _model()
    with pytest.warns(UserWarning, match="evaluate_generator"):
        loss = model.evaluate_generator(_batches(x, y), steps=4)
    assert loss == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)
    with pytest.warns(UserWarning, match="predict_generator"):
        pred = model.predict_generator((xb for xb, _ in _batches(x, y)), steps=4)
    np.testing.assert_allclose(pred, model.predict(x, verbose=0), rtol=1e-5)


def test_each_name_warns_once():
    x, y = _data(16)
    model = _model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            model.predict_proba(x)
            model.evaluate_generator(_batches(x, y), steps=1)
    messages = [str(w.message) for w in caught if "Keras 2 name" in str(w.message)]
    assert len(messages) == 2
    assert any("predict_proba" in m and "model.predict(x)" in m for m in messages)


def test_predict_classes_softmax_is_argmax():
    x, _ = _data(20)
    model = _model(3)
    with torch.no_grad():
        model.layers[0].kernel.copy_(torch.tensor([[3.0, 0, 0], [0, 3.0, 0], [0, 0, 3.0], [0, 0, 0]]))
    with pytest.warns(UserWarning, match="np.argmax"):
        classes = model.predict_classes(x)
    np.testing.assert_array_equal(classes, np.argmax(x[:, :3], axis=-1))
    np.testing.assert_allclose(model.predict_proba(x).sum(-1), np.ones(20), rtol=1e-6)


def test_predict_classes_sigmoid_is_threshold():
    x, _ = _data(20)
    model = _model(1, "sigmoid")
    with torch.no_grad():
        model.layers[0].kernel.copy_(torch.tensor([[1.0], [0.0], [0.0], [0.0]]))
        model.layers[0].bias.zero_()
    classes = model.predict_classes(x)
    assert classes.shape == (20, 1) and classes.dtype == np.int32
    np.testing.assert_array_equal(classes[:, 0], (x[:, 0] > 0).astype("int32"))


def test_functional_model_has_generators_but_not_predict_classes():
    inputs = keraton.Input((4,))
    model = keraton.Model(inputs, keraton.layers.Dense(1)(inputs))
    assert callable(model.fit_generator)
    assert not hasattr(model, "predict_classes")  # Sequential-only, as in Keras 2
