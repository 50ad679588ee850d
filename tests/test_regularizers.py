"""keraton.regularizers against hand computations and real Keras 3."""

import numpy as np
import pytest
import torch

from keraton import regularizers

W = np.array([[1.0, -2.0, 0.5], [-0.25, 3.0, -1.5]], dtype="float32")
ABS_SUM = float(np.abs(W).sum())  # 8.25
SQ_SUM = float((W**2).sum())  # 15.625


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


@pytest.mark.parametrize(
    "reg,expected",
    [
        (regularizers.L1(), 0.01 * ABS_SUM),
        (regularizers.L1(0.3), 0.3 * ABS_SUM),
        (regularizers.L2(), 0.01 * SQ_SUM),
        (regularizers.L2(0.5), 0.5 * SQ_SUM),
        (regularizers.L1L2(), 0.0),
        (regularizers.L1L2(l1=0.1), 0.1 * ABS_SUM),
        (regularizers.L1L2(l2=0.2), 0.2 * SQ_SUM),
        (regularizers.L1L2(l1=0.1, l2=0.2), 0.1 * ABS_SUM + 0.2 * SQ_SUM),
        (regularizers.l1(0.2), 0.2 * ABS_SUM),
        (regularizers.l2(0.01), 0.01 * SQ_SUM),
        (regularizers.l1_l2(), 0.01 * ABS_SUM + 0.01 * SQ_SUM),
        (regularizers.l1_l2(l1=0.0, l2=1.0), SQ_SUM),
    ],
    ids=lambda v: repr(v) if not isinstance(v, float) else "",
)
def test_penalties_by_hand(reg, expected):
    out = reg(torch.tensor(W))
    assert isinstance(out, torch.Tensor) and out.ndim == 0 and out.dtype == torch.float32
    assert float(out) == pytest.approx(expected, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize(
    "cls,kwargs",
    [("L1", {"l1": 0.05}), ("L2", {"l2": 0.2}), ("L1L2", {"l1": 0.1, "l2": 0.3}),
     ("L1L2", {}), ("OrthogonalRegularizer", {"factor": 0.5, "mode": "rows"}),
     ("OrthogonalRegularizer", {"factor": 0.2, "mode": "columns"})],
)
def test_matches_keras(cls, kwargs):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=(5, 7)).astype("float32")
    ours = getattr(regularizers, cls)(**kwargs)(torch.tensor(x))
    theirs = getattr(keras.regularizers, cls)(**kwargs)(keras.ops.convert_to_tensor(x))
    np.testing.assert_allclose(_np(ours), _np(theirs.cpu()), rtol=1e-5, atol=1e-7)


def test_orthogonal_regularizer_by_hand():
    # rows [1, 0], [1, 1], [0, 2] -> normalized [1, 0], [s, s], [0, 1] with s = 1/sqrt(2)
    x = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    s = 1 / np.sqrt(2)
    off_diagonal_abs_sum = 2 * (s + 0.0 + s)  # pairs (0,1), (0,2), (1,2), both triangles
    expected = 0.1 * 0.5 * off_diagonal_abs_sum / 3
    out = regularizers.OrthogonalRegularizer(factor=0.1)(x)
    assert float(out) == pytest.approx(expected, rel=1e-6)
    # an orthogonal matrix has no penalty
    q = torch.linalg.qr(torch.randn(6, 6))[0]
    assert float(regularizers.OrthogonalRegularizer(1.0, "columns")(q)) == pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 2, 2))
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


def test_penalty_is_differentiable():
    w = torch.tensor(W, requires_grad=True)
    regularizers.L1L2(l1=0.1, l2=0.2)(w).backward()
    expected = 0.1 * np.sign(W) + 0.2 * 2 * W
    np.testing.assert_allclose(_np(w.grad), expected, rtol=1e-6)


def test_penalty_keeps_dtype():
    out = regularizers.L2(0.5)(torch.tensor(W, dtype=torch.float64))
    assert out.dtype == torch.float64
    assert float(out) == pytest.approx(0.5 * SQ_SUM)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True])
@pytest.mark.parametrize("cls", [regularizers.L1, regularizers.L2, regularizers.L1L2])
def test_invalid_factors(cls, bad):
    with pytest.raises(ValueError, match="non-negative"):
        cls(bad)


def test_none_factors_default():
    assert regularizers.L1(None).l1 == 0.01
    assert regularizers.L2(None).l2 == 0.01
    assert regularizers.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


REGS = [regularizers.L1(0.3), regularizers.L2(0.1), regularizers.L1L2(0.01, 0.02),
        regularizers.OrthogonalRegularizer(0.5, "columns")]


@pytest.mark.parametrize("reg", REGS, ids=lambda r: type(r).__name__)
def test_config_roundtrip(reg):
    config = reg.get_config()
    assert type(reg).from_config(config).get_config() == config
    restored = regularizers.deserialize(regularizers.serialize(reg))
    assert type(restored) is type(reg) and restored.get_config() == config
    x = torch.tensor(W)
    assert float(restored(x)) == float(reg(x))


@pytest.mark.parametrize("reg", REGS, ids=lambda r: type(r).__name__)
def test_serialized_form_loads_in_keras(reg):
    keras = pytest.importorskip("keras")
    ours = regularizers.serialize(reg)
    assert ours["module"] == "keras.regularizers" and ours["class_name"] == type(reg).__name__
    theirs = keras.regularizers.deserialize(ours)
    for key, value in reg.get_config().items():
        got = theirs.get_config()[key]
        assert got == pytest.approx(value) if isinstance(value, float) else got == value


def test_keras_config_loads():
    keras = pytest.importorskip("keras")
    reg = regularizers.deserialize(keras.regularizers.serialize(keras.regularizers.L2(0.25)))
    assert isinstance(reg, regularizers.L2) and reg.l2 == 0.25


@pytest.mark.parametrize(
    "name,cls,config",
    # L1's and OrthogonalRegularizer's factors pass through float32 in Keras's configs
    [("l1", "L1", {"l1": 0.009999999776482582}), ("L1", "L1", {"l1": 0.009999999776482582}),
     ("l2", "L2", {"l2": 0.01}), ("L2", "L2", {"l2": 0.01}), ("L1L2", "L1L2", {"l1": 0.0, "l2": 0.0}),
     ("l1l2", "L1L2", {"l1": 0.0, "l2": 0.0}), ("l1_l2", "L1L2", {"l1": 0.01, "l2": 0.01}),
     ("orthogonal_regularizer", "OrthogonalRegularizer",
      {"factor": 0.009999999776482582, "mode": "rows"})],
)
def test_get_by_name(name, cls, config):
    reg = regularizers.get(name)
    assert type(reg) is getattr(regularizers, cls)
    assert reg.get_config() == config


def test_get_other_identifiers():
    assert regularizers.get(None) is None
    reg = regularizers.L2(0.3)
    assert regularizers.get(reg) is reg
    assert isinstance(regularizers.get(regularizers.L1), regularizers.L1)
    assert regularizers.get({"class_name": "L1", "config": {"l1": 0.5}}).l1 == 0.5

    def fn(x):
        return x.abs().sum()

    assert regularizers.get(fn) is fn
    with pytest.raises(ValueError, match="Could not interpret"):
        regularizers.get(0.5)


@pytest.mark.parametrize("bad,closest", [("l3", "l2"), ("L22", "L2"), ("l1_l3", "l1_l2")])
def test_unknown_name_mentions_closest(bad, closest):
    with pytest.raises(ValueError, match=f"'{closest}'"):
        regularizers.get(bad)


def test_base_class():
    assert regularizers.Regularizer()(torch.ones(3)) == 0.0
    with pytest.raises(NotImplementedError):
        regularizers.Regularizer().get_config()


@pytest.mark.parametrize("make", [lambda r: r.L1(), lambda r: r.L1(0.3), lambda r: r.L2(0.3),
                                  lambda r: r.L1L2(0.3, 0.1),
                                  lambda r: r.OrthogonalRegularizer(0.3, mode="columns")],
                         ids=["l1_default", "l1", "l2", "l1l2", "orthogonal"])
def test_configs_equal_keras(make):
    keras = pytest.importorskip("keras")
    assert make(regularizers).get_config() == make(keras.regularizers).get_config()
