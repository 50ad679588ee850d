"""Confusion-matrix metrics (counts, Precision, Recall, X-at-Y, AUC) against Keras 3."""

import numpy as np
import pytest
import torch

import keraton.metrics as M

keras = pytest.importorskip("keras")


def make_batches(kind, n_batches=3, seed=0, weighted=True):
    rs = np.random.RandomState(seed)
    out = []
    for b in range(n_batches):
        n = 10 + 3 * b
        if kind == "binary":
            y_true = rs.randint(0, 2, (n,))
            y_pred = rs.rand(n).astype(np.float32)
            y_pred[:3] = [0.0, 1.0, 0.5]  # bucket and threshold edges
        elif kind == "column":
            y_true = rs.randint(0, 2, (n, 1)).astype(np.float32)
            y_pred = rs.rand(n, 1).astype(np.float32)
        elif kind == "multi":
            y_true = rs.randint(0, 2, (n, 3))
            y_pred = rs.rand(n, 3).astype(np.float32)
            y_pred[0] = [0.0, 1.0, 0.25]
        elif kind == "logits":
            y_true = rs.randint(0, 2, (n,))
            y_pred = (3 * rs.randn(n)).astype(np.float32)
        sw = rs.rand(n).astype(np.float32) if weighted else None
        out.append((y_true, y_pred, sw))
    return out


CASES = [
    ("TruePositives", {}, "binary"),
    ("FalsePositives", {}, "binary"),
    ("TrueNegatives", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("FalseNegatives", {"thresholds": [0.0, 0.5, 1.0]}, "binary"),
    ("TruePositives", {"thresholds": 0.3}, "multi"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.1, 0.4, 0.9]}, "column"),
    ("Precision", {"top_k": 2}, "multi"),
    ("Precision", {"class_id": 1}, "multi"),
    ("Precision", {"top_k": 1, "class_id": 2}, "multi"),
    ("Recall", {}, "binary"),
    ("Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "multi"),
    ("Recall", {"top_k": 2, "thresholds": 0.3}, "multi"),
    ("Recall", {"class_id": 0}, "multi"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 20}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.5}, "multi"),
    ("RecallAtPrecision", {"precision": 0.6, "num_thresholds": 1}, "binary"),
    ("RecallAtPrecision", {"precision": 0.4, "class_id": 1}, "multi"),
    ("AUC", {}, "binary"),
    ("AUC", {}, "multi"),
    ("AUC", {"curve": "PR"}, "binary"),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, "binary"),
    ("AUC", {"summation_method": "minoring", "num_thresholds": 7}, "column"),
    ("AUC", {"curve": "PRGAIN"}, "binary"),
    ("AUC", {"thresholds": [0.3, 0.6, 0.1]}, "binary"),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "binary"),
    ("AUC", {"multi_label": True}, "multi"),
    ("AUC", {"multi_label": True, "num_labels": 3, "curve": "PR"}, "multi"),
    ("AUC", {"multi_label": True, "label_weights": [0.2, 1.0, 0.5]}, "multi"),
    ("AUC", {"multi_label": True, "thresholds": [0.2, 0.7]}, "multi"),
    ("AUC", {"label_weights": [0.2, 1.0, 0.5]}, "multi"),
    ("AUC", {"from_logits": True}, "logits"),
]
IDS = [f"{c}-{kw}-{k}" for c, kw, k in CASES]


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("cls_name,kwargs,kind", CASES, ids=IDS)
def test_confusion_metric_matches_keras(cls_name, kwargs, kind, weighted, metric_check,
                                        config_check):
    ours = getattr(M, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    assert ours.name == theirs.name
    metric_check(ours, theirs, make_batches(kind, weighted=weighted), rtol=1e-5, atol=1e-5)
    config_check(ours, theirs)


def test_default_names_are_unique_like_keras():
    assert [M.AUC().name, M.AUC().name, M.Precision().name, M.Recall().name] == [
        "auc", "auc_1", "precision", "recall"]
    assert M.TruePositives().name == "true_positives"


def test_vector_result_for_several_thresholds():
    m = M.TruePositives(thresholds=[0.0, 0.5, 0.9])
    m.update_state(torch.tensor([1, 1, 0, 1]), torch.tensor([0.2, 0.6, 0.7, 0.95]))
    assert m.result().tolist() == [3.0, 2.0, 1.0]


def test_auc_perfect_and_inverted_rankings():
    y_true = torch.tensor([0, 0, 1, 1])
    good, bad = M.AUC(), M.AUC()
    good.update_state(y_true, torch.tensor([0.1, 0.2, 0.8, 0.9]))
    bad.update_state(y_true, torch.tensor([0.9, 0.8, 0.2, 0.1]))
    assert float(good.result()) == pytest.approx(1.0, abs=1e-3)
    assert float(bad.result()) == pytest.approx(0.0, abs=1e-3)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        M.Precision(thresholds=[1.5])
    with pytest.raises(ValueError, match="num_thresholds"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        M.AUC(curve="DET")
    with pytest.raises(ValueError, match="specificity"):
        M.SensitivityAtSpecificity(2.0)
    with pytest.raises(ValueError, match="rank 2"):
        M.AUC(multi_label=True).update_state(np.zeros(4), np.zeros(4))
