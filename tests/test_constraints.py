"""keraton.constraints against hand computations and real Keras 3."""

import numpy as np
import pytest
import torch

from keraton import backend, constraints

EPS = 1e-7
W = np.array([[3.0, 0.1, -1.0], [4.0, 0.2, 0.0]], dtype="float32")  # column norms 5, ~0.2236, 1


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def test_max_norm_by_hand():
    out = _np(constraints.MaxNorm(max_value=2.0)(torch.tensor(W)))
    norms = np.sqrt((W.astype("float64") ** 2).sum(axis=0, keepdims=True))
    expected = W * (np.minimum(norms, 2.0) / (EPS + norms))
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_allclose(out[:, 0], [1.2, 1.6], rtol=1e-6)  # 5 -> 2
    # under the cap: scaled by norm / (eps + norm), as Keras (not exactly unchanged)
    np.testing.assert_allclose(out[:, 2], [-1.0 / (1 + EPS), 0.0], rtol=1e-7)


def test_unit_norm_by_hand():
    out = _np(constraints.UnitNorm()(torch.tensor(W)))
    norms = np.sqrt((W.astype("float64") ** 2).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(out, W / (EPS + norms), rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), 1.0, rtol=1e-5)
    out1 = _np(constraints.UnitNorm(axis=1)(torch.tensor(W)))
    np.testing.assert_allclose(np.linalg.norm(out1, axis=1), 1.0, rtol=1e-5)


def test_unit_norm_of_zero_vector_is_zero():
    assert torch.equal(constraints.UnitNorm()(torch.zeros(3, 2)), torch.zeros(3, 2))


@pytest.mark.parametrize("rate", [1.0, 0.5])
def test_min_max_norm_by_hand(rate):
    out = _np(constraints.MinMaxNorm(min_value=0.5, max_value=2.0, rate=rate)(torch.tensor(W)))
    norms = np.sqrt((W.astype("float64") ** 2).sum(axis=0, keepdims=True))
    desired = rate * np.clip(norms, 0.5, 2.0) + (1 - rate) * norms
    np.testing.assert_allclose(out, W * desired / (EPS + norms), rtol=1e-6)
    if rate == 1.0:
        np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, 0.5, 1.0], rtol=1e-5)


def test_non_neg_by_hand():
    out = _np(constraints.NonNeg()(torch.tensor(W)))
    np.testing.assert_array_equal(out, np.maximum(W, 0))


def test_epsilon_follows_backend():
    backend.set_epsilon(0.5)
    try:
        out = _np(constraints.UnitNorm()(torch.tensor([[3.0], [4.0]])))
        np.testing.assert_allclose(out[:, 0], [3 / 5.5, 4 / 5.5], rtol=1e-6)
    finally:
        backend.set_epsilon(1e-7)


KERNEL = np.random.default_rng(1).normal(0, 2, size=(3, 3, 4, 6)).astype("float32")
CASES = [
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 1.5, "axis": [0, 1, 2]}),
    ("MaxNorm", {"max_value": 3, "axis": 3}),
    ("NonNeg", {}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": [0, 1, 2]}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 2.0, "max_value": 4.0, "rate": 0.3, "axis": [0, 1, 2]}),
]


@pytest.mark.parametrize("cls,kwargs", CASES, ids=[f"{c}-{k}" for c, k in CASES])
def test_matches_keras(cls, kwargs):
    keras = pytest.importorskip("keras")
    ours = getattr(constraints, cls)(**kwargs)(torch.tensor(KERNEL))
    theirs = getattr(keras.constraints, cls)(**kwargs)(keras.ops.convert_to_tensor(KERNEL))
    np.testing.assert_allclose(_np(ours), _np(theirs.cpu()), rtol=1e-5, atol=1e-7)


def test_does_not_modify_input():
    w = torch.tensor(W)
    before = w.clone()
    for c in (constraints.MaxNorm(1), constraints.NonNeg(), constraints.UnitNorm(),
              constraints.MinMaxNorm()):
        c(w)
    assert torch.equal(w, before)


def test_base_constraint_is_identity():
    w = torch.tensor(W)
    assert constraints.Constraint()(w) is w


OBJS = [constraints.MaxNorm(3, axis=[0, 1]), constraints.NonNeg(), constraints.UnitNorm(axis=1),
        constraints.MinMaxNorm(0.1, 2.0, 0.5, axis=0)]


@pytest.mark.parametrize("obj", OBJS, ids=lambda o: type(o).__name__)
def test_config_roundtrip(obj):
    config = obj.get_config()
    assert type(obj).from_config(config).get_config() == config
    restored = constraints.deserialize(constraints.serialize(obj))
    assert type(restored) is type(obj) and restored.get_config() == config


@pytest.mark.parametrize("obj", OBJS, ids=lambda o: type(o).__name__)
def test_serialized_form_matches_keras(obj):
    keras = pytest.importorskip("keras")
    ours = constraints.serialize(obj)
    assert keras.constraints.serialize(keras.constraints.deserialize(ours)) == ours


@pytest.mark.parametrize(
    "name,cls",
    [("max_norm", "MaxNorm"), ("MaxNorm", "MaxNorm"), ("non_neg", "NonNeg"), ("NonNeg", "NonNeg"),
     ("unit_norm", "UnitNorm"), ("min_max_norm", "MinMaxNorm"), ("MinMaxNorm", "MinMaxNorm")],
)
def test_get_by_name(name, cls):
    assert type(constraints.get(name)) is getattr(constraints, cls)


def test_aliases_and_defaults():
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm
    assert constraints.get("max_norm").get_config() == {"max_value": 2, "axis": 0}
    assert constraints.get("min_max_norm").get_config() == {
        "min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}


def test_get_other_identifiers():
    assert constraints.get(None) is None
    c = constraints.NonNeg()
    assert constraints.get(c) is c
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    assert constraints.get({"class_name": "MaxNorm", "config": {"max_value": 5, "axis": 1}}).max_value == 5
    with pytest.raises(ValueError, match="Could not interpret"):
        constraints.get(5)


@pytest.mark.parametrize("bad,closest", [("max_nrom", "max_norm"), ("non_nge", "non_neg"),
                                         ("UnitNrom", "UnitNorm")])
def test_unknown_name_mentions_closest(bad, closest):
    with pytest.raises(ValueError, match=f"'{closest}'"):
        constraints.get(bad)
