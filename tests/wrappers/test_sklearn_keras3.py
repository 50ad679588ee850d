"""Keras 3's SKLearnClassifier/SKLearnRegressor/SKLearnTransformer against real Keras's, same data and weights."""

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import keraton  # noqa: E402
from keraton.wrappers.sklearn_keras3 import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402

FIT = {"epochs": 2, "batch_size": 8, "shuffle": False, "verbose": 0}


def make_build(mod):
    """A model builder for ``mod`` (keraton or keras) with fixed initial weights, so both agree."""

    def build(X, y, loss="categorical_crossentropy", activation="softmax", units=4):
        rng = np.random.default_rng(0)
        model = mod.Sequential([mod.Input((X.shape[1],)), mod.layers.Dense(units, activation="relu"),
                                mod.layers.Dense(y.shape[1], activation=activation)])
        model.set_weights([0.5 * rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
        model.compile(optimizer=mod.optimizers.SGD(0.1), loss=loss)
        return model

    return build


def classification(n_classes, label_kind):
    X, y = make_classification(32, 5, n_informative=3, n_classes=n_classes, random_state=0)
    return X, (np.array(["ant", "bee", "cat"])[y] if label_kind == "str" else y + 3)


def regression():
    X, y = make_regression(32, 5, random_state=0)
    return X, y / 100


REGRESSION_KWARGS = {"loss": "mse", "activation": None}


@pytest.mark.parametrize("n_classes,label_kind", [(3, "str"), (2, "int")])
def test_classifier_matches_keras(n_classes, label_kind):
    keras = pytest.importorskip("keras")
    X, y = classification(n_classes, label_kind)
    ours = SKLearnClassifier(make_build(keraton), fit_kwargs=dict(FIT)).fit(X, y)
    theirs = keras.wrappers.SKLearnClassifier(make_build(keras), fit_kwargs=dict(FIT)).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-5)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, y) == theirs.score(X, y)
    assert ours.decision_function(X).shape == (32, n_classes)
    assert ours.epoch_ == 2 and ours.model_.compiled


@pytest.mark.parametrize("wrapper", ["SKLearnRegressor", "SKLearnTransformer"])
def test_regressor_and_transformer_match_keras(wrapper):
    keras = pytest.importorskip("keras")
    X, y = regression()
    ours = globals()[wrapper](make_build(keraton), model_kwargs=REGRESSION_KWARGS, fit_kwargs=dict(FIT)).fit(X, y)
    theirs = getattr(keras.wrappers, wrapper)(make_build(keras), model_kwargs=REGRESSION_KWARGS,
                                              fit_kwargs=dict(FIT)).fit(X, y)
    if wrapper == "SKLearnRegressor":
        assert ours.predict(X).shape == theirs.predict(X).shape == (32,)
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-5)
        np.testing.assert_allclose(ours.score(X, y), theirs.score(X, y), atol=1e-5)
    else:
        assert ours.transform(X).shape == theirs.transform(X).shape == (32, 1)
        np.testing.assert_allclose(ours.transform(X), theirs.transform(X), atol=1e-5)
        np.testing.assert_allclose(ours.fit_transform(X, y), theirs.fit_transform(X, y), atol=1e-5)


def test_pipelines_match_keras():
    keras = pytest.importorskip("keras")
    X, y = classification(3, "str")
    ours = make_pipeline(StandardScaler(), SKLearnClassifier(make_build(keraton), fit_kwargs=dict(FIT))).fit(X, y)
    theirs = make_pipeline(StandardScaler(), keras.wrappers.SKLearnClassifier(make_build(keras),
                                                                              fit_kwargs=dict(FIT))).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    Xr, yr = regression()
    ours = make_pipeline(SKLearnTransformer(make_build(keraton), model_kwargs={**REGRESSION_KWARGS, "units": 3},
                                            fit_kwargs=dict(FIT)), LinearRegression()).fit(Xr, yr)
    theirs = make_pipeline(keras.wrappers.SKLearnTransformer(make_build(keras),
                                                             model_kwargs={**REGRESSION_KWARGS, "units": 3},
                                                             fit_kwargs=dict(FIT)), LinearRegression()).fit(Xr, yr)
    np.testing.assert_allclose(ours.predict(Xr), theirs.predict(Xr), atol=1e-4)


def test_clone_get_params_set_params():
    build = make_build(keraton)
    est = SKLearnRegressor(build, model_kwargs={"units": 2}, fit_kwargs={"epochs": 1})
    assert est.get_params() == {"model": build, "warm_start": False, "model_kwargs": {"units": 2},
                                "fit_kwargs": {"epochs": 1}}
    copy = clone(est.set_params(model_kwargs=REGRESSION_KWARGS))
    assert copy is not est and copy.get_params() == est.get_params()
    assert not hasattr(copy, "model_")
    X, y = regression()
    copy.fit(X, y, verbose=0)
    assert copy.fit_kwargs == {"epochs": 1}  # fit's own kwargs do not leak into the parameters
    assert copy.model_.layers[0].units == 4 and copy.epoch_ == 1


def test_tags():
    assert SKLearnClassifier(None).__sklearn_tags__().classifier_tags.poor_score
    assert SKLearnRegressor(None).__sklearn_tags__().regressor_tags.poor_score
    tags = SKLearnTransformer(None).__sklearn_tags__()
    assert tags.transformer_tags.preserves_dtype == [] and tags.non_deterministic


def test_model_instance_is_cloned_and_warm_start_reuses_the_fit():
    X, y = regression()
    model = make_build(keraton)(X, y.reshape(-1, 1), **REGRESSION_KWARGS)
    before = [w.copy() for w in model.get_weights()]
    est = SKLearnRegressor(model, fit_kwargs=dict(FIT)).fit(X, y)
    assert est.model_ is not model and est.model_.compiled
    for w, b in zip(model.get_weights(), before):  # the given model is left untouched
        np.testing.assert_array_equal(w, b)
    warm = SKLearnRegressor(make_build(keraton), model_kwargs=REGRESSION_KWARGS, warm_start=True,
                            fit_kwargs=dict(FIT))
    first = warm.fit(X, y).model_
    one_more = first.get_weights()
    assert warm.fit(X, y, epochs=1).model_ is first
    cold = SKLearnRegressor(make_build(keraton), model_kwargs=REGRESSION_KWARGS, fit_kwargs=dict(FIT)).fit(X, y)
    np.testing.assert_allclose(cold.model_.get_weights()[0], one_more[0], atol=1e-6)
    assert not np.allclose(first.get_weights()[0], one_more[0])


def test_errors():
    X, y = classification(3, "str")
    uncompiled = keraton.Sequential([keraton.Input((5,)), keraton.layers.Dense(3)])
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnClassifier(lambda X, y: uncompiled).fit(X, y)
    with pytest.raises(ValueError, match="Only binary and multiclass"):
        SKLearnClassifier(make_build(keraton)).fit(X, np.linspace(0.5, 1.0, len(X)))  # continuous
    with pytest.raises(ValueError, match="only one class"):
        SKLearnClassifier(make_build(keraton)).fit(X, np.zeros(len(X)))
    with pytest.raises(TypeError, match="must be a compiled keraton Model or a callable"):
        SKLearnRegressor("nope").fit(*regression())
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SKLearnTransformer(make_build(keraton)).transform(X)


@pytest.mark.parametrize("check_name", ["check_get_params_invariance", "check_set_params",
                                        "check_no_attributes_set_in_init", "check_n_features_in",
                                        "check_fit2d_predict1d", "check_fit_check_is_fitted",
                                        "check_estimators_empty_data_messages"])
@pytest.mark.parametrize("wrapper", [SKLearnClassifier, SKLearnRegressor, SKLearnTransformer])
def test_sklearn_estimator_checks(wrapper, check_name):
    from sklearn.utils import estimator_checks

    kwargs = {} if wrapper is SKLearnClassifier else {"model_kwargs": REGRESSION_KWARGS}
    estimator = wrapper(make_build(keraton), fit_kwargs={"verbose": 0}, **kwargs)
    getattr(estimator_checks, check_name)(wrapper.__name__, estimator)
