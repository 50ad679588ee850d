"""Regression, probabilistic and hinge metrics against Keras 3, over several weighted batches."""

import numpy as np
import pytest
import torch

import keraton.metrics as M

keras = pytest.importorskip("keras")


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def make_batches(kind, shape=(6, 4), weights="1d", n_batches=3, seed=0):
    rs = np.random.RandomState(seed)
    f = np.float32
    out = []
    for b in range(n_batches):
        shp = (shape[0] + b,) + shape[1:]
        if kind == "real":
            y_true, y_pred = rs.randn(*shp).astype(f), rs.randn(*shp).astype(f)
        elif kind == "positive":
            y_true, y_pred = (rs.rand(*shp) + 0.1).astype(f), (rs.rand(*shp) + 0.1).astype(f)
        elif kind == "prob":
            y_true, y_pred = _softmax(rs.randn(*shp)), _softmax(rs.randn(*shp))
        elif kind == "binary":
            y_true, y_pred = rs.randint(0, 2, shp).astype(f), rs.uniform(0.02, 0.98, shp).astype(f)
        elif kind == "logits":
            y_true, y_pred = rs.randint(0, 2, shp).astype(f), (2 * rs.randn(*shp)).astype(f)
        elif kind == "pm1":
            y_true, y_pred = (2 * rs.randint(0, 2, shp) - 1).astype(f), rs.randn(*shp).astype(f)
        elif kind == "onehot":
            y_true = np.eye(shp[-1], dtype=f)[rs.randint(0, shp[-1], shp[:-1])]
            y_pred = _softmax(2 * rs.randn(*shp))
        elif kind == "sparse":
            y_true = rs.randint(0, shp[-1], shp[:-1])
            y_pred = _softmax(2 * rs.randn(*shp))
        sw = None
        if weights == "1d":
            sw = rs.rand(shp[0]).astype(f)
        elif weights == "2d":
            sw = rs.rand(*shp[:2]).astype(f)
        out.append((y_true, y_pred, sw))
    return out


CASES = [
    ("MeanSquaredError", {}, "real"),
    ("MeanAbsoluteError", {}, "real"),
    ("MeanAbsolutePercentageError", {}, "positive"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("RootMeanSquaredError", {}, "real"),
    ("CosineSimilarity", {}, "real"),
    ("LogCoshError", {}, "real"),
    ("KLDivergence", {}, "prob"),
    ("Poisson", {}, "positive"),
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 0}, "sparse"),
    ("Hinge", {}, "pm1"),
    ("Hinge", {}, "logits"),
    ("SquaredHinge", {}, "pm1"),
    ("CategoricalHinge", {}, "onehot"),
]
IDS = [f"{c}-{kw}-{k}" for c, kw, k in CASES]


@pytest.mark.parametrize("weights", [None, "1d"])
@pytest.mark.parametrize("cls_name,kwargs,kind", CASES, ids=IDS)
def test_metric_matches_keras(cls_name, kwargs, kind, weights, metric_check, config_check):
    ours = getattr(M, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    assert ours.name == theirs.name
    metric_check(ours, theirs, make_batches(kind, weights=weights))
    config_check(ours, theirs)


@pytest.mark.parametrize("weights", [None, "1d", "2d"])
@pytest.mark.parametrize("cls_name,kwargs,kind", CASES, ids=IDS)
def test_metric_on_sequence_outputs_matches_keras(cls_name, kwargs, kind, weights, metric_check):
    """(batch, steps, features) outputs, including temporal (batch, steps) weights."""
    ours = getattr(M, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    batches = make_batches(kind, shape=(3, 2, 4), weights=weights, seed=1)
    if "ignore_class" in kwargs and weights == "1d":
        # Keras cannot multiply (batch,) weights into its (batch, steps) mask; keraton broadcasts
        # them, which equals giving every step its sample's weight.
        theirs = _RepeatWeights(theirs)
    metric_check(ours, theirs, batches)


class _RepeatWeights:
    """Keras metric proxy that repeats (batch,) weights over the steps axis."""

    def __init__(self, metric):
        self.metric = metric

    def update_state(self, y_true, y_pred, sample_weight=None):
        sw = np.repeat(sample_weight[:, None], y_true.shape[1], axis=1)
        return self.metric.update_state(y_true, y_pred, sample_weight=sw)

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.metric.result()

    def result(self):
        return self.metric.result()

    def reset_state(self):
        self.metric.reset_state()


def test_rmse_value_and_float64_dtype():
    m = M.RootMeanSquaredError(dtype="float64")
    m.update_state(torch.tensor([[0.0], [0.0]]), torch.tensor([[3.0], [4.0]]))
    assert m.result().dtype == torch.float64
    assert float(m.result()) == pytest.approx(np.sqrt(12.5))
    assert m.get_config() == {"name": "root_mean_squared_error", "dtype": "float64"}


def test_cosine_similarity_axis_survives_config():
    m = M.CosineSimilarity(axis=0)
    rebuilt = M.CosineSimilarity.from_config(m.get_config())
    y_true, y_pred, _ = make_batches("real", n_batches=1)[0]
    rebuilt.update_state(y_true, y_pred)
    want = keras.metrics.CosineSimilarity(axis=0)
    want.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(rebuilt.result()), float(want.result()), rtol=1e-5)
