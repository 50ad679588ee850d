"""FBetaScore/F1Score and the IoU family against Keras 3 (streaming, weights, configs, names)."""

import numpy as np
import pytest
import torch

import keraton.metrics as M

keras = pytest.importorskip("keras")


def fscore_batches(kind, weighted, n_batches=3, seed=0):
    rs = np.random.RandomState(seed)
    out = []
    for b in range(n_batches):
        n = 12 + 4 * b
        if kind == "multilabel":
            y_true = rs.randint(0, 2, (n, 4))
            y_pred = rs.rand(n, 4).astype(np.float32)
            y_pred[0] = [0.0, 0.5, 1.0, 0.2]
        else:  # one-hot multi-class
            y_true = np.eye(4, dtype=np.float32)[rs.randint(0, 4, n)]
            y_pred = rs.rand(n, 4).astype(np.float32)
            y_pred[1] = 0.0  # an all-zero row: no positive under argmax (abs(y) > 1e-9)
        sw = rs.rand(n).astype(np.float32) if weighted else None
        out.append((y_true, y_pred, sw))
    return out


F_CASES = [
    ("F1Score", {}, "onehot"),
    ("F1Score", {"average": "micro"}, "onehot"),
    ("F1Score", {"average": "macro", "threshold": 0.5}, "multilabel"),
    ("F1Score", {"average": "weighted"}, "onehot"),
    ("F1Score", {"threshold": 0.3}, "multilabel"),
    ("FBetaScore", {}, "onehot"),
    ("FBetaScore", {"beta": 2.0, "threshold": 0.5}, "multilabel"),
    ("FBetaScore", {"beta": 0.5, "average": "micro", "threshold": 0.7}, "multilabel"),
    ("FBetaScore", {"beta": 3.0, "average": "weighted", "threshold": 0.4}, "multilabel"),
    ("FBetaScore", {"beta": 0.7, "average": "macro"}, "onehot"),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls_name,kwargs,kind", F_CASES,
                         ids=[f"{c}-{kw}-{k}" for c, kw, k in F_CASES])
def test_f_score_matches_keras(cls_name, kwargs, kind, weighted, metric_check, config_check):
    ours = getattr(M, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    assert ours.name == theirs.name
    metric_check(ours, theirs, fscore_batches(kind, weighted), rtol=1e-5, atol=1e-6)
    assert config_check(ours, theirs).get_config() == theirs.get_config()


@pytest.mark.parametrize("kwargs,match", [
    ({"average": "samples"}, "average"),
    ({"beta": 1}, "Python float"),
    ({"beta": -1.0}, "> 0"),
    ({"threshold": 1}, "Python float"),
    ({"threshold": 1.5}, "0 < threshold <= 1"),
])
def test_f_score_rejects_bad_arguments_like_keras(kwargs, match):
    with pytest.raises(ValueError, match=match):
        M.FBetaScore(**kwargs)
    with pytest.raises(ValueError, match=match):
        keras.metrics.FBetaScore(**kwargs)


def test_f_score_needs_2d_inputs():
    with pytest.raises(ValueError, match="2D inputs"):
        M.F1Score().update_state(np.zeros(4), np.zeros(4))


def iou_batches(kind, weighted, n_batches=3, seed=0, num_classes=4):
    rs = np.random.RandomState(seed)
    out = []
    for b in range(n_batches):
        n = 15 + 5 * b
        if kind == "sparse":  # class ids, some out of range on both sides
            y_true = rs.randint(0, num_classes, (n,))
            y_pred = rs.randint(0, num_classes, (n,))
            y_true[0], y_pred[1], y_pred[2] = num_classes, -1, num_classes + 2
        elif kind == "sparse_2d":  # segmentation maps, flattened by the metric
            y_true = rs.randint(0, num_classes, (n, 3, 2))
            y_pred = rs.randint(0, num_classes, (n, 3, 2)).astype(np.float32)
        elif kind == "scores":  # sparse labels, score vectors to argmax
            y_true = rs.randint(0, num_classes, (n,))
            y_pred = rs.rand(n, num_classes).astype(np.float32)
        elif kind == "onehot":
            y_true = np.eye(num_classes, dtype=np.float32)[rs.randint(0, num_classes, n)]
            y_pred = rs.rand(n, num_classes).astype(np.float32)
        elif kind == "onehot_sparse_pred":
            y_true = np.eye(num_classes, dtype=np.float32)[rs.randint(0, num_classes, n)]
            y_pred = rs.randint(0, num_classes, (n,))
        elif kind == "binary":
            y_true = rs.randint(0, 2, (n,))
            y_pred = rs.rand(n).astype(np.float32)
            y_pred[:2] = [0.3, 0.5]  # exactly at the thresholds: ``>=`` counts them
        if not weighted:
            sw = None
        elif kind == "sparse_2d":
            sw = rs.randint(0, 3, (n, 3, 2)).astype(np.int32)
        else:
            sw = rs.randint(0, 3, (n,)).astype(np.int32)
        out.append((y_true, y_pred, sw))
    return out


IOU_CASES = [
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, "sparse"),
    ("IoU", {"num_classes": 4, "target_class_ids": [3]}, "sparse_2d"),
    ("IoU", {"num_classes": 4, "target_class_ids": [1, 2, 3], "ignore_class": 1}, "sparse"),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 1], "sparse_y_pred": False}, "scores"),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 1, 2], "sparse_y_true": False,
             "sparse_y_pred": False}, "onehot"),
    ("MeanIoU", {"num_classes": 4}, "sparse"),
    ("MeanIoU", {"num_classes": 4, "ignore_class": 0}, "sparse_2d"),
    ("MeanIoU", {"num_classes": 4, "sparse_y_pred": False}, "scores"),
    ("BinaryIoU", {}, "binary"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    ("BinaryIoU", {"target_class_ids": [0], "threshold": 0.7}, "binary"),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [0, 3]}, "onehot"),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 2], "sparse_y_pred": True},
     "onehot_sparse_pred"),
    ("OneHotMeanIoU", {"num_classes": 4}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": 4, "ignore_class": 2}, "onehot"),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls_name,kwargs,kind", IOU_CASES,
                         ids=[f"{c}-{kw}-{k}" for c, kw, k in IOU_CASES])
def test_iou_matches_keras(cls_name, kwargs, kind, weighted, metric_check, config_check):
    ours = getattr(M, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    assert ours.name == theirs.name
    assert ours.dtype == theirs.dtype == "int32"
    metric_check(ours, theirs, iou_batches(kind, weighted), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(ours.total_cm.numpy(), theirs.total_cm.numpy())
    assert config_check(ours, theirs).get_config() == theirs.get_config()


def test_iou_float_dtype_keeps_fractional_weights():
    rs = np.random.RandomState(1)
    y_true, y_pred = rs.randint(0, 3, 20), rs.randint(0, 3, 20)
    sw = rs.rand(20).astype(np.float32)
    ours = M.MeanIoU(3, dtype="float32")
    theirs = keras.metrics.MeanIoU(3, dtype="float32")
    ours.update_state(torch.as_tensor(y_true), torch.as_tensor(y_pred), sample_weight=sw)
    theirs.update_state(y_true, y_pred, sample_weight=sw)
    np.testing.assert_allclose(ours.result().numpy(), theirs.result().numpy(), rtol=1e-6)
    assert ours.total_cm.dtype == torch.float32


def test_iou_warns_about_float_weights_with_int_dtype():
    m = M.IoU(2, [0, 1])
    with pytest.warns(UserWarning, match="weight as `float`"):
        m.update_state(torch.tensor([0, 1]), torch.tensor([0, 1]),
                       sample_weight=torch.tensor([0.5, 1.5]))
    # 0.5 -> 0 and 1.5 -> 1, as Keras's cast to int32
    assert m.total_cm.tolist() == [[0, 0], [0, 1]]


def test_iou_rejects_out_of_range_target_class():
    with pytest.raises(ValueError, match="out of range"):
        M.IoU(num_classes=3, target_class_ids=[3])


@pytest.mark.parametrize("name,cls", [
    ("f1_score", M.F1Score), ("F1Score", M.F1Score), ("fbeta_score", None),
    ("f_beta_score", M.FBetaScore), ("FBetaScore", M.FBetaScore),
])
def test_f_score_lookup_by_name(name, cls):
    if cls is None:  # Keras knows FBetaScore as 'f_beta_score' only
        with pytest.raises(ValueError):
            M.get(name)
        with pytest.raises(ValueError):
            keras.metrics.get(name)
        return
    assert isinstance(M.get(name), cls)
    assert type(keras.metrics.get(name)).__name__ == cls.__name__


@pytest.mark.parametrize("cls_name,kwargs", [
    ("MeanIoU", {"num_classes": 3}), ("IoU", {"num_classes": 3, "target_class_ids": [1]}),
    ("BinaryIoU", {"threshold": 0.4}), ("OneHotMeanIoU", {"num_classes": 3, "ignore_class": 0}),
    ("F1Score", {"average": "macro"}),
])
def test_serialize_deserialize_round_trip(cls_name, kwargs):
    metric = getattr(M, cls_name)(**kwargs)
    rebuilt = M.deserialize(M.serialize(metric))
    assert type(rebuilt) is type(metric)
    assert rebuilt.get_config() == metric.get_config()
    assert M.get({"class_name": cls_name, "config": metric.get_config()}).name == metric.name
