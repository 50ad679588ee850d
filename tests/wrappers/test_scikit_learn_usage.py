"""KerasClassifier/KerasRegressor in use: routing, clone, warm start, GridSearchCV, Pipeline."""

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_blobs, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import keraton  # noqa: E402
from keraton.wrappers import KerasClassifier, KerasRegressor  # noqa: E402


def build(meta, units=16):
    return keraton.Sequential([keraton.Input((meta["n_features_in_"],)), keraton.layers.Dense(units, activation="relu"),
                               keraton.layers.Dense(meta["n_classes_"], activation="softmax")])


def test_routed_params_reach_the_model_and_optimizer_and_survive_clone():
    X, y = make_blobs(40, n_features=3, centers=3, random_state=0)
    clf = KerasClassifier(model=build, model__units=5, optimizer="sgd", optimizer__learning_rate=0.3, epochs=1,
                          verbose=0)
    cloned = clone(clf)
    assert cloned.get_params()["model__units"] == 5
    cloned.set_params(model__units=7)
    cloned.fit(X, y)
    assert cloned.model_.layers[0].units == 7
    assert float(cloned.model_.optimizer.learning_rate) == pytest.approx(0.3)
    assert clf.get_params()["model__units"] == 5 and not hasattr(clf, "model_")
    assert list(cloned.classes_) == [0, 1, 2] and cloned.n_features_in_ == 3


def test_string_labels_binary_model_and_predict_proba():
    X, y = make_blobs(80, n_features=2, centers=2, random_state=1)
    labels = np.array(["cat", "dog"])[y]

    def binary():
        return keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(1, activation="sigmoid")])

    clf = KerasClassifier(model=binary, optimizer="adam", optimizer__learning_rate=0.1, epochs=40, verbose=0,
                          random_state=0).fit(X, labels)
    assert clf.model_.loss == "binary_crossentropy"
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    p = clf.model_.predict(X.astype("float32"), verbose=0).ravel()
    np.testing.assert_allclose(proba[:, 1], p, rtol=1e-6)
    assert set(clf.predict(X)) <= {"cat", "dog"}
    assert clf.score(X, labels) > 0.9


def test_categorical_crossentropy_gets_one_hot_targets_and_history_accumulates_with_warm_start():
    X, y = make_blobs(60, n_features=4, centers=3, random_state=2)
    clf = KerasClassifier(model=build, loss="categorical_crossentropy", epochs=2, verbose=0, warm_start=True)
    clf.fit(X, y)
    first_model = clf.model_
    clf.fit(X, y)
    assert clf.model_ is first_model  # warm start keeps training the same model
    assert len(clf.history_["loss"]) == 4
    clf.partial_fit(X, y)
    assert len(clf.history_["loss"]) == 5
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)


def test_keras2_build_fn_with_sk_params():
    X, y = make_regression(50, n_features=3, noise=0.0, random_state=0)

    def build_fn(units=4):
        model = keraton.Sequential([keraton.Input((3,)), keraton.layers.Dense(units), keraton.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mae")
        return model

    reg = KerasRegressor(build_fn=build_fn, units=6, epochs=1, verbose=0).fit(X, y)
    assert reg.model_.layers[0].units == 6
    assert reg.model_.loss == "mae"  # a compiled model keeps its own compile arguments
    assert reg.predict(X).shape == (50,)
    assert clone(reg).get_params()["units"] == 6


def test_grid_search_over_model_units_in_a_pipeline():
    X, y = make_regression(120, n_features=4, noise=1.0, random_state=0)
    y = y / np.std(y)

    def build_reg(meta, units=4):
        return keraton.Sequential([keraton.Input((meta["n_features_in_"],)), keraton.layers.Dense(units),
                                   keraton.layers.Dense(1)])

    pipe = Pipeline([("scale", StandardScaler()),
                     ("reg", KerasRegressor(model=build_reg, optimizer="adam", optimizer__learning_rate=0.05,
                                            epochs=40, batch_size=16, verbose=0, random_state=0))])
    search = GridSearchCV(pipe, {"reg__model__units": [2, 8]}, cv=2).fit(X, y)
    assert search.best_params_["reg__model__units"] in (2, 8)
    assert search.best_estimator_.named_steps["reg"].model_.layers[0].units == search.best_params_["reg__model__units"]
    assert search.best_score_ > 0.9  # the target is linear in X


def test_model_instance_and_bad_input_errors():
    X, y = make_blobs(30, n_features=2, centers=3, random_state=0)
    instance = keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(3, activation="softmax")])
    clf = KerasClassifier(model=instance, epochs=1, verbose=0).fit(X, y)
    assert clf.model_ is instance and clf.model_.loss == "sparse_categorical_crossentropy"
    with pytest.raises(ValueError, match="KerasClassifier: a model is required"):
        KerasClassifier(epochs=1).fit(X, y)
    with pytest.raises(TypeError, match="KerasClassifier: model must be a keraton Model.*int"):
        KerasClassifier(model=lambda: 3, epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="KerasClassifier: the model has 2 outputs but the target has 3 classes"):
        KerasClassifier(model=lambda: keraton.Sequential([keraton.Input((2,)), keraton.layers.Dense(2)]),
                        epochs=1, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="KerasClassifier supports binary and multiclass targets; got a 'continuous'"):
        KerasClassifier(model=build, epochs=1).fit(X, y + 0.5)


def test_keras2_import_path_and_missing_sklearn_message(monkeypatch):
    from keraton.wrappers import base_wrapper, scikit_learn

    assert scikit_learn.KerasClassifier is KerasClassifier
    assert keraton.wrappers.KerasRegressor is KerasRegressor
    monkeypatch.setattr(base_wrapper, "_SKLEARN_MISSING", True)
    with pytest.raises(ImportError, match="KerasRegressor requires scikit-learn.*pip install scikit-learn"):
        KerasRegressor(model=None)
