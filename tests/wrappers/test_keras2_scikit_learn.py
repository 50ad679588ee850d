"""Keras 2's ``keras.wrappers.scikit_learn`` path: warns once, and Keras 2's ``build_fn`` style works."""

import importlib
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.datasets import make_blobs, make_regression  # noqa: E402

import keraton  # noqa: E402
from keraton.utils import keras2_names  # noqa: E402


@pytest.fixture
def fresh_path():
    """Import ``keraton.wrappers.scikit_learn`` as a new process would (no module, no warning yet)."""
    keras2_names._WARNED.discard("keras.wrappers.scikit_learn")
    sys.modules.pop("keraton.wrappers.scikit_learn", None)
    yield lambda: importlib.import_module("keraton.wrappers.scikit_learn")
    keras2_names._WARNED.discard("keras.wrappers.scikit_learn")


def test_keras2_path_warns_once_and_aliases_the_wrappers(fresh_path):
    with pytest.warns(UserWarning, match="`keras.wrappers.scikit_learn` is a Keras 2 name, deprecated "
                                         "and removed in Keras 3"):
        module = fresh_path()
    assert module.KerasClassifier is keraton.wrappers.KerasClassifier
    assert module.KerasRegressor is keraton.wrappers.KerasRegressor
    sys.modules.pop("keraton.wrappers.scikit_learn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fresh = importlib.import_module("keraton.wrappers.scikit_learn")  # once per process
        from keraton.wrappers import KerasClassifier  # the Keras 3 path never warns
    assert fresh.KerasClassifier is KerasClassifier


def test_keras3_path_does_not_warn(fresh_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from keraton.wrappers import KerasClassifier, KerasRegressor
        assert keraton.wrappers.KerasRegressor is KerasRegressor
    assert KerasClassifier.__module__ == "keraton.wrappers.sklearn_wrapper"
    assert "keraton.wrappers.scikit_learn" not in sys.modules
    assert "keras.wrappers.scikit_learn" not in keras2_names._WARNED


class _BatchCounter(keraton.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


def test_keras2_classifier_build_fn_with_sk_params(fresh_path):
    with pytest.warns(UserWarning, match="Keras 2 name"):
        KerasClassifier = fresh_path().KerasClassifier
    X, y = make_blobs(40, n_features=4, centers=3, random_state=0)
    seen = {}

    def make_model(units=4, activation="tanh"):
        seen.update(units=units, activation=activation)
        model = keraton.Sequential([keraton.Input((4,)), keraton.layers.Dense(units, activation=activation),
                                    keraton.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        return model

    counter = _BatchCounter()
    # Keras 2 style: build_fn plus sk_params, split between build_fn's arguments and fit's.
    clf = KerasClassifier(build_fn=make_model, epochs=2, batch_size=8, units=16, verbose=0,
                          callbacks=[counter])
    clf.fit(X, y)
    assert seen == {"units": 16, "activation": "tanh"}
    assert clf.model_.layers[0].units == 16 and clf.model_.layers[0].kernel.shape == (4, 16)
    assert len(clf.history_["loss"]) == 2 and counter.batches == 2 * 5  # 40 samples / batch_size 8
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X), np.argmax(proba, axis=1))
    assert clf.get_params()["units"] == 16 and clf.get_params()["build_fn"] is make_model
    clf.set_params(units=5, activation="relu").fit(X, y)
    assert seen == {"units": 5, "activation": "relu"} and clf.model_.layers[0].units == 5


def test_keras2_regressor_build_fn_with_sk_params(fresh_path):
    with pytest.warns(UserWarning, match="Keras 2 name"):
        KerasRegressor = fresh_path().KerasRegressor
    X, y = make_regression(30, n_features=3, random_state=0)

    def make_model(hidden=2):
        model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(hidden), keraton.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        return model

    reg = KerasRegressor(build_fn=make_model, hidden=7, epochs=3, batch_size=10, verbose=0).fit(X, y)
    assert reg.model_.layers[0].units == 7 and len(reg.history_["loss"]) == 3
    assert reg.predict(X).shape == (30,)
