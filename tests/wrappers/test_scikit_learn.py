"""KerasClassifier/KerasRegressor against a representative subset of scikit-learn's estimator checks."""

import pytest

pytest.importorskip("sklearn")
from sklearn.utils import estimator_checks  # noqa: E402

import keraton  # noqa: E402
from keraton.wrappers import KerasClassifier, KerasRegressor  # noqa: E402


def build_classifier(meta, units=16):
    """One hidden layer; one sigmoid unit for a binary target, else a softmax over the classes."""
    binary = meta["n_classes_"] == 2 and meta.get("target_type_") == "binary"
    return keraton.Sequential([
        keraton.Input((meta["n_features_in_"],)),
        keraton.layers.Dense(units, activation="relu"),
        keraton.layers.Dense(1 if binary else meta["n_classes_"], activation="sigmoid" if binary else "softmax"),
    ])


def build_regressor(meta, units=16):
    return keraton.Sequential([keraton.Input((meta["n_features_in_"],)), keraton.layers.Dense(units, activation="relu"),
                               keraton.layers.Dense(meta["n_outputs_"])])


def classifier(**kwargs):
    params = dict(model=build_classifier, epochs=30, verbose=0, optimizer="adam", optimizer__learning_rate=0.05,
                  batch_size=32, random_state=0)
    return KerasClassifier(**{**params, **kwargs})


def regressor(**kwargs):
    params = dict(model=build_regressor, epochs=30, verbose=0, optimizer="adam", optimizer__learning_rate=0.05,
                  batch_size=32, random_state=0)
    return KerasRegressor(**{**params, **kwargs})


COMMON_CHECKS = ["check_fit2d_1sample", "check_estimators_dtypes", "check_fit_score_takes_y",
                 "check_fit2d_predict1d", "check_n_features_in", "check_get_params_invariance",
                 "check_set_params", "check_dont_overwrite_parameters",
                 "check_estimators_nan_inf", "check_fit_check_is_fitted", "check_estimators_empty_data_messages",
                 "check_n_features_in_after_fitting"]


@pytest.mark.parametrize("check_name", COMMON_CHECKS + ["check_classifiers_train", "check_classifiers_classes",
                                                        "check_supervised_y_2d"])
def test_classifier_passes_sklearn_check(check_name):
    getattr(estimator_checks, check_name)("KerasClassifier", classifier())


@pytest.mark.parametrize("check_name", COMMON_CHECKS + ["check_regressors_train", "check_regressors_int"])
def test_regressor_passes_sklearn_check(check_name):
    getattr(estimator_checks, check_name)("KerasRegressor", regressor(epochs=100))


@pytest.mark.parametrize("wrapper", [KerasClassifier, KerasRegressor])
def test_no_attributes_set_in_init_without_routed_params(wrapper):
    # Routed parameters (model__units) are stored as attributes by design, as in scikeras, so
    # this check applies to an estimator built from the declared parameters only.
    estimator_checks.check_no_attributes_set_in_init(wrapper.__name__, wrapper(model=build_regressor, epochs=2))
