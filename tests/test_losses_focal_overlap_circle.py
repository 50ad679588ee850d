"""Keras 3.15's newer losses against real Keras: CategoricalFocalCrossentropy, Dice, Tversky,
Circle and CategoricalGeneralizedCrossEntropy (values, reductions, weights, configs, lookup)."""

import numpy as np
import pytest
import torch

import keraton.losses as L

keras = pytest.importorskip("keras")

RTOL, ATOL = 1e-5, 1e-6
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"]


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def make_data(kind, shape, seed=0):
    """Random ``(y_true, y_pred)`` in the domain of a loss ``kind``."""
    rs = np.random.RandomState(seed)
    f = np.float32
    if kind in ("onehot", "onehot_logits"):
        labels = rs.randint(0, shape[-1], shape[:-1])
        logits = (2 * rs.randn(*shape)).astype(f)
        pred = logits if kind == "onehot_logits" else _softmax(logits).astype(f)
        return np.eye(shape[-1], dtype=f)[labels], pred
    if kind == "mask":  # segmentation masks and soft predictions
        return rs.randint(0, 2, shape).astype(f), rs.rand(*shape).astype(f)
    if kind == "sparse":
        return rs.randint(0, shape[-1], shape[:-1]), _softmax(rs.randn(*shape)).astype(f)
    if kind == "embeddings":  # L2-normalised, few classes so every row has positives
        emb = rs.randn(*shape).astype(f)
        return rs.randint(0, 3, shape[:1]), emb / np.linalg.norm(emb, axis=-1, keepdims=True)
    raise ValueError(kind)


# (class name, constructor kwargs, data kind, shape)
CASES = [
    ("CategoricalFocalCrossentropy", {}, "onehot", (8, 5)),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 1.0}, "onehot", (8, 5)),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.2},
     "onehot_logits", (8, 5)),
    ("CategoricalFocalCrossentropy", {"gamma": 0.0}, "onehot", (4, 3, 5)),
    ("Dice", {}, "mask", (6, 4, 4)),
    ("Dice", {"axis": -1}, "mask", (6, 5)),
    ("Dice", {"axis": (1, 2)}, "mask", (6, 4, 3)),
    ("Tversky", {}, "mask", (6, 4, 4)),
    ("Tversky", {"alpha": 0.2, "beta": 0.8, "axis": -1}, "mask", (6, 5)),
    ("Tversky", {"alpha": 0.7, "beta": 0.3, "axis": [1, 2]}, "mask", (6, 4, 3)),
    ("Circle", {}, "embeddings", (10, 6)),
    ("Circle", {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}, "embeddings", (10, 6)),
    ("CategoricalGeneralizedCrossEntropy", {}, "sparse", (8, 4)),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.2}, "sparse", (8, 4)),
]
IDS = [f"{c}-{kw}-{k}-{s}" for c, kw, k, s in CASES]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls_name,kwargs,kind,shape", CASES, ids=IDS)
def test_loss_class_matches_keras(cls_name, kwargs, kind, shape, weighted, reduction):
    y_true, y_pred = make_data(kind, shape)
    # one weight per loss value: per step for the focal loss of sequences, else per sample
    weight_shape = shape[:-1] if kind.startswith("onehot") else shape[:1]
    sw = np.random.RandomState(1).rand(*weight_shape).astype(np.float32) if weighted else None
    ours = getattr(L, cls_name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, cls_name)(reduction=reduction, **kwargs)
    assert ours.name == theirs.name
    got = ours(torch.tensor(y_true), torch.tensor(y_pred), sample_weight=sw)
    want = theirs(y_true, y_pred, sample_weight=sw)
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.detach().numpy(), np.asarray(want), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cls_name,kwargs,kind,shape", CASES, ids=IDS)
def test_loss_config_round_trip_matches_keras(cls_name, kwargs, kind, shape):
    ours = getattr(L, cls_name)(**kwargs)
    theirs = getattr(keras.losses, cls_name)(**kwargs)
    config = ours.get_config()
    assert config == theirs.get_config()
    rebuilt = L.deserialize(L.serialize(ours))
    assert type(rebuilt) is type(ours) and rebuilt.get_config() == config


FUNCTION_CASES = [
    ("categorical_focal_crossentropy", {}, "onehot", (6, 4)),
    ("categorical_focal_crossentropy", {"alpha": 1.0, "gamma": 3.0, "axis": 0}, "onehot", (6, 4)),
    ("categorical_focal_crossentropy", {"from_logits": True, "label_smoothing": 0.1},
     "onehot_logits", (3, 2, 4)),
    ("dice", {}, "mask", (6, 4)),
    ("dice", {"axis": 0}, "mask", (6, 4)),
    ("tversky", {"alpha": 0.3, "beta": 0.6}, "mask", (6, 4)),
    ("tversky", {"axis": (0, 1)}, "mask", (3, 2, 4)),
    ("circle", {}, "embeddings", (8, 5)),
    ("circle", {"gamma": 20, "margin": 0.1}, "embeddings", (8, 5)),
    ("categorical_generalized_cross_entropy", {"q": 0.7}, "sparse", (6, 4)),
]


@pytest.mark.parametrize("fn,kwargs,kind,shape", FUNCTION_CASES,
                         ids=[f"{f}-{kw}-{k}-{s}" for f, kw, k, s in FUNCTION_CASES])
def test_loss_function_matches_keras(fn, kwargs, kind, shape):
    y_true, y_pred = make_data(kind, shape, seed=3)
    got = getattr(L, fn)(torch.tensor(y_true), torch.tensor(y_pred), **kwargs)
    # tensors for Keras too: its categorical_generalized_cross_entropy rejects numpy arrays
    want = getattr(keras.losses, fn)(torch.tensor(y_true), torch.tensor(y_pred), **kwargs)
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=RTOL, atol=ATOL)


def test_circle_with_reference_set_matches_keras():
    labels, emb = make_data("embeddings", (6, 4), seed=5)
    ref_labels, ref_emb = make_data("embeddings", (9, 4), seed=6)
    got = L.circle(torch.tensor(labels), torch.tensor(emb), ref_labels=torch.tensor(ref_labels),
                   ref_embeddings=torch.tensor(ref_emb), remove_diagonal=False)
    want = keras.losses.circle(labels, emb, ref_labels=ref_labels, ref_embeddings=ref_emb,
                               remove_diagonal=False)
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=RTOL, atol=ATOL)


def test_circle_averages_over_positive_losses_only():
    labels = np.array([0, 0, 1, 1, 2])  # class 2 has no positive pair: its loss is 0, masked
    emb = make_data("embeddings", (5, 4), seed=2)[1]
    per_sample = L.circle(torch.tensor(labels), torch.tensor(emb))
    assert float(per_sample[4]) == 0.0
    got = L.Circle()(torch.tensor(labels), torch.tensor(emb))
    np.testing.assert_allclose(float(got), float(per_sample[per_sample > 0].mean()), rtol=RTOL)


def test_focal_gradient_matches_keras():
    y_true, logits = make_data("onehot_logits", (5, 4), seed=7)
    ours_in = torch.tensor(logits, requires_grad=True)
    L.CategoricalFocalCrossentropy(from_logits=True)(torch.tensor(y_true), ours_in).backward()
    theirs_in = torch.tensor(logits, requires_grad=True)
    keras.losses.CategoricalFocalCrossentropy(from_logits=True)(y_true, theirs_in).backward()
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("name", ["categorical_focal_crossentropy", "dice", "tversky", "circle"])
def test_function_lookup_by_name_like_keras(name):
    assert L.get(name) is getattr(L, name)
    assert keras.losses.get(name) is getattr(keras.losses, name)


@pytest.mark.parametrize("name", ["CategoricalFocalCrossentropy", "Dice", "Tversky", "Circle"])
def test_class_lookup_by_name_like_keras(name):
    ours, theirs = L.get(name), keras.losses.get(name)
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert ours.get_config() == theirs.get_config()


def test_generalized_cross_entropy_rejects_q_outside_unit_interval():
    for q in (0.0, 1.0):
        with pytest.raises(ValueError, match="interval"):
            L.CategoricalGeneralizedCrossEntropy(q=q)


def test_focal_warns_for_a_single_class_column():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        L.categorical_focal_crossentropy(torch.ones(3, 1), torch.full((3, 1), 0.5))
