"""R2Score, PearsonCorrelation, ConcordanceCorrelation against Keras 3; compile/fit log names."""

import numpy as np
import pytest
import torch

import keraton
import keraton.metrics as M

keras = pytest.importorskip("keras")


def regression_batches(shape, weighted, n_batches=3, seed=0, weight_shape=None):
    rs = np.random.RandomState(seed)
    out = []
    for b in range(n_batches):
        n = 10 + 3 * b
        full = (n,) + tuple(shape)
        y_true = rs.randn(*full).astype(np.float32)
        y_pred = (0.7 * y_true + 0.5 * rs.randn(*full) + 0.2).astype(np.float32)
        if weighted:
            sw = rs.rand(n, *(weight_shape or ())).astype(np.float32)
        else:
            sw = None
        out.append((y_true, y_pred, sw))
    return out


R2_CASES = [
    ({}, (3,), None),
    ({"class_aggregation": "variance_weighted_average"}, (3,), None),
    ({"class_aggregation": None}, (4,), None),
    ({"num_regressors": 2}, (2,), None),
    ({"num_regressors": 200}, (2,), None),  # more regressors than values: plain R^2
    ({}, (3,), (3,)),  # one weight per output
    ({"class_aggregation": None, "num_regressors": 5}, (1,), None),
]


@pytest.mark.filterwarnings("ignore:More independent predictors")  # Keras's, after reset
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kwargs,shape,weight_shape", R2_CASES,
                         ids=[f"{kw}-{s}-{w}" for kw, s, w in R2_CASES])
def test_r2_score_matches_keras(kwargs, shape, weight_shape, weighted, metric_check,
                                config_check):
    ours, theirs = M.R2Score(**kwargs), keras.metrics.R2Score(**kwargs)
    assert ours.name == theirs.name == "r2_score"
    batches = regression_batches(shape, weighted, weight_shape=weight_shape)
    metric_check(ours, theirs, batches, rtol=1e-5, atol=1e-5)
    assert config_check(ours, theirs).get_config() == theirs.get_config()


def test_r2_score_column_labels_against_rank_1_targets():
    rs = np.random.RandomState(3)
    y_true, y_pred = rs.randn(8).astype(np.float32), rs.randn(8, 1).astype(np.float32)
    ours, theirs = M.R2Score(), keras.metrics.R2Score()
    ours.update_state(torch.as_tensor(y_true), torch.as_tensor(y_pred))
    theirs.update_state(y_true, y_pred)
    np.testing.assert_allclose(ours.result().numpy(), theirs.result().numpy(), rtol=1e-5)


@pytest.mark.parametrize("kwargs,match", [
    ({"class_aggregation": "median"}, "class_aggregation"),
    ({"num_regressors": -1}, "num_regressors"),
])
def test_r2_score_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        M.R2Score(**kwargs)


# (class, kwargs, per-sample shape, weighted); per-sample weights only where there is one
# coefficient per sample (not for axis=0 or rank-1 inputs, one coefficient per column/batch).
CORR_CASES = [
    ("PearsonCorrelation", {}, (5,), False),
    ("PearsonCorrelation", {}, (5,), True),
    ("PearsonCorrelation", {"axis": 0}, (5,), False),
    ("PearsonCorrelation", {}, (), False),
    ("PearsonCorrelation", {}, (3, 4), True),
    ("ConcordanceCorrelation", {}, (5,), False),
    ("ConcordanceCorrelation", {}, (5,), True),
    ("ConcordanceCorrelation", {"axis": 0}, (4,), False),
    ("ConcordanceCorrelation", {}, (), False),
    ("ConcordanceCorrelation", {"axis": 1}, (3, 4), True),
]


@pytest.mark.parametrize("cls_name,kwargs,shape,weighted", CORR_CASES,
                         ids=[f"{c}-{kw}-{s}-{w}" for c, kw, s, w in CORR_CASES])
def test_correlation_matches_keras(cls_name, kwargs, shape, weighted, metric_check,
                                   config_check):
    ours = getattr(M, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    assert ours.name == theirs.name
    metric_check(ours, theirs, regression_batches(shape, weighted), rtol=1e-5, atol=1e-5)
    assert config_check(ours, theirs).get_config() == theirs.get_config()


@pytest.mark.parametrize("fn", ["pearson_correlation", "concordance_correlation"])
@pytest.mark.parametrize("axis", [-1, 0])
def test_correlation_functions_match_keras(fn, axis):
    rs = np.random.RandomState(4)
    y_true, y_pred = rs.randn(6, 5).astype(np.float32), rs.randn(6, 5).astype(np.float32)
    got = getattr(M, fn)(torch.as_tensor(y_true), torch.as_tensor(y_pred), axis=axis)
    want = getattr(keras.metrics, fn)(y_true, y_pred, axis=axis)
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["r2_score", "pearson_correlation", "concordance_correlation",
                                  "PearsonCorrelation", "R2Score"])
def test_lookup_by_name_like_keras(name):
    ours, theirs = M.get(name), keras.metrics.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name


def test_function_wrapper_rebuilds_from_config():
    wrapper = M.MeanMetricWrapper(M.pearson_correlation, name="pc")
    rebuilt = M.MeanMetricWrapper.from_config(wrapper.get_config())
    assert rebuilt._fn is M.pearson_correlation


def _compile_and_evaluate(lib, metrics, x, y):
    lib.utils.set_random_seed(0)
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=metrics)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    return model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)


def test_compile_metric_log_names_match_keras():
    rs = np.random.RandomState(0)
    x = rs.randn(32, 4).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rs.randint(0, 3, 32)]

    def metrics(lib):
        return ["f1_score", "r2_score", "pearson_correlation", "concordance_correlation",
                lib.metrics.FBetaScore(beta=2.0, average="macro"),
                lib.metrics.OneHotMeanIoU(num_classes=3), lib.metrics.OneHotIoU(3, [0, 2])]

    ours = _compile_and_evaluate(keraton, metrics(keraton), x, y)
    theirs = _compile_and_evaluate(keras, metrics(keras), x, y)
    assert sorted(ours) == sorted(theirs)
    assert {"f1_score", "r2_score", "fbeta_score", "one_hot_mean_io_u", "one_hot_io_u"} <= set(ours)
    assert np.asarray(ours["f1_score"]).shape == np.asarray(theirs["f1_score"]).shape == (3,)
