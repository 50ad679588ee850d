"""Accuracy metrics and functions against Keras 3."""

import numpy as np
import pytest
import torch

import keraton.metrics as M

keras = pytest.importorskip("keras")


def _onehot(labels, n):
    return np.eye(n, dtype=np.float32)[labels]


def make_batches(kind, n_batches=3, seed=0, weighted=True):
    rs = np.random.RandomState(seed)
    out = []
    for _ in range(n_batches):
        n = rs.randint(4, 9)
        if kind == "exact":
            y_true = rs.randint(0, 3, (n, 2)).astype(np.float32)
            y_pred = rs.randint(0, 3, (n, 2)).astype(np.float32)
        elif kind == "binary":
            y_true = rs.randint(0, 2, (n, 1)).astype(np.float32)
            y_pred = rs.rand(n, 1).astype(np.float32)
        elif kind == "binary_flat":
            y_true = rs.randint(0, 2, (n,)).astype(np.float32)
            y_pred = rs.rand(n, 1).astype(np.float32)
        elif kind == "onehot":
            y_true = _onehot(rs.randint(0, 6, n), 6)
            y_pred = rs.rand(n, 6).astype(np.float32)
        elif kind == "sparse":
            y_true = rs.randint(0, 6, (n,))
            y_pred = rs.rand(n, 6).astype(np.float32)
        elif kind == "sparse_col":
            y_true = rs.randint(0, 6, (n, 1)).astype(np.float32)
            y_pred = rs.rand(n, 6).astype(np.float32)
        elif kind == "sparse_seq":
            y_true = rs.randint(0, 6, (n, 3))
            y_pred = rs.rand(n, 3, 6).astype(np.float32)
        elif kind == "onehot_seq":
            y_true = _onehot(rs.randint(0, 6, (n, 3)), 6)
            y_pred = rs.rand(n, 3, 6).astype(np.float32)
        elif kind == "ties":  # rounded scores produce ties at the k-th place
            y_true = rs.randint(0, 6, (n,))
            y_pred = np.round(rs.rand(n, 6), 1).astype(np.float32)
        sw = rs.rand(n).astype(np.float32) if weighted else None
        out.append((y_true, y_pred, sw))
    return out


CASES = [
    ("Accuracy", {}, "exact"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {}, "binary_flat"),
    ("BinaryAccuracy", {"threshold": 0.7}, "binary"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("CategoricalAccuracy", {}, "onehot_seq"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_col"),
    ("SparseCategoricalAccuracy", {}, "sparse_seq"),
    ("TopKCategoricalAccuracy", {}, "onehot"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot_seq"),
    ("SparseTopKCategoricalAccuracy", {}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_seq"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "ties"),
]


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("cls_name,kwargs,kind", CASES,
                         ids=[f"{c}-{kw}-{k}" for c, kw, k in CASES])
def test_accuracy_metric_matches_keras(cls_name, kwargs, kind, weighted, metric_check, config_check):
    ours = getattr(M, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    assert ours.name == theirs.name
    metric_check(ours, theirs, make_batches(kind, weighted=weighted))
    config_check(ours, theirs)


def test_sparse_top_k_from_sorted_ids():
    y_true = np.array([2, 0, 5])
    ids = np.array([[2, 1, 0], [1, 3, 0], [4, 1, 2]], dtype=np.float32)
    ours = M.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    theirs = keras.metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    ours.update_state(torch.tensor(y_true), torch.tensor(ids))
    theirs.update_state(y_true, ids)
    np.testing.assert_allclose(float(ours.result()), float(theirs.result()))
    assert float(ours.result()) == pytest.approx(1 / 3)
    assert ours.get_config()["from_sorted_ids"] is True


@pytest.mark.parametrize("fn,kind,kwargs", [
    ("binary_accuracy", "binary", {}), ("binary_accuracy", "binary", {"threshold": 0.3}),
    ("categorical_accuracy", "onehot", {}), ("categorical_accuracy", "onehot_seq", {}),
    ("sparse_categorical_accuracy", "sparse", {}), ("sparse_categorical_accuracy", "sparse_col", {}),
    ("top_k_categorical_accuracy", "onehot", {"k": 3}),
    ("sparse_top_k_categorical_accuracy", "sparse_seq", {"k": 2}),
    ("sparse_top_k_categorical_accuracy", "ties", {"k": 1}),
])
def test_accuracy_functions_match_keras(fn, kind, kwargs):
    y_true, y_pred, _ = make_batches(kind, n_batches=1, seed=5)[0]
    got = getattr(M, fn)(torch.tensor(y_true), torch.tensor(y_pred), **kwargs)
    want = getattr(keras.metrics, fn)(y_true, y_pred, **kwargs)
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), np.asarray(want))


def test_accuracy_function_values():
    y_true = torch.tensor([[1.0], [2.0], [3.0]])
    assert M.accuracy(y_true, torch.tensor([1.0, 2.0, 0.0])).tolist() == [[1.0], [1.0], [0.0]]
    assert M.binary_accuracy(torch.tensor([1.0, 0.0]), torch.tensor([[0.9], [0.6]])).tolist() == [[1.0], [0.0]]
