"""keraton.ops reductions, scans and statistics against Keras 3 (torch backend) as the oracle."""

import inspect

import numpy as np
import pytest
import torch

import keraton
import keraton.ops as kops
from keraton.ops.numpy import reductions

keras = pytest.importorskip("keras")
ops = keras.ops

_REFUSALS = (TypeError, ValueError, RuntimeError, NotImplementedError, IndexError)


def _name(dtype):
    return str(dtype).replace("torch.", "")


def assert_same(ours, theirs, rtol=1e-5, atol=1e-5):
    """Same dtype (Keras's name), shape and values."""
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b, rtol, atol)
        return
    assert isinstance(ours, torch.Tensor)
    theirs = ops.convert_to_tensor(theirs)
    assert _name(ours.dtype) == keras.backend.standardize_dtype(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    if ours.dtype == torch.float16:
        rtol, atol = max(rtol, 3e-3), max(atol, 3e-3)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol)


def check_against_keras(name, *args, **kwargs):
    """Compare with Keras; where Keras raises we must raise too."""
    try:
        theirs = getattr(ops, name)(*args, **kwargs)
    except _REFUSALS as err:
        with pytest.raises(_REFUSALS):
            getattr(kops, name)(*args, **kwargs)
        return err
    assert_same(getattr(kops, name)(*args, **kwargs), theirs)
    return None


def test_all_listed_ops_exist_with_keras_signatures():
    assert len(reductions.__all__) == 39
    for name in reductions.__all__:
        ours = getattr(kops, name)
        assert ours.__doc__, name
        assert inspect.signature(ours) == inspect.signature(getattr(ops, name)), name


_BASE = np.random.default_rng(0).normal(size=(2, 3, 4)) * 3
_BASE[0, 1, 2] = 0.0


def _sample(dtype, nan=False):
    if dtype == "bool":
        return _BASE > 0
    values = _BASE.copy()
    if nan and "float" in dtype:
        values[1, 0, :] = np.nan  # an all-NaN slice along the last axis
        values[0, 2, 1] = np.nan
    if "int" in dtype:
        values = np.round(values)
    if dtype.startswith("uint"):
        values = np.abs(values)
    return values.astype(dtype)


REDUCTIONS = ["sum", "mean", "max", "min", "amax", "amin", "prod", "all", "any", "argmax",
              "argmin", "std", "var", "median", "ptp", "count_nonzero", "nansum", "nanmean",
              "nanmax", "nanmin", "nanprod", "nanvar", "nanstd", "nanmedian", "nanargmax",
              "nanargmin"]
AXES = [None, 0, -1, (0, 2), [1], ()]
DTYPES = ["float32", "float64", "float16", "int32", "int64", "int8", "uint8", "bool"]


def _numpy_reference(name, x, axis, keepdims):
    """NumPy's answer, for the cases where keraton follows NumPy and not Keras-on-torch."""
    fn = {"amax": np.max, "amin": np.min}.get(name, getattr(np, name))
    axis = tuple(axis) if isinstance(axis, list) else axis
    if name == "count_nonzero":
        return np.count_nonzero(x, axis=axis)
    return fn(x, axis=axis, keepdims=keepdims)


def _follows_numpy(name, dtype, axis, keepdims):
    """Cases where Keras 3's torch backend departs from NumPy (and from its own symbolic
    shapes and its other backends) and keraton keeps NumPy's result."""
    if axis is None and keepdims and name in ("sum", "max", "min", "amax", "amin", "prod",
                                             "ptp", "nanprod"):
        return not (name == "ptp" and dtype == "bool")  # NumPy and Keras both refuse that
        return True  # Keras on torch drops keepdims for axis=None
    if name == "count_nonzero" and axis not in (None, ()):
        return True  # Keras on torch transposes the result
    if axis == () and (name == "std" or (name in ("nanmax", "nanmin") and
                                         ("int" in dtype or dtype == "bool"))):
        return True  # Keras on torch reduces every axis for axis=()
    return False


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_match_keras(name):
    checked = 0
    for dtype in DTYPES:
        x = _sample(dtype, nan=name.startswith("nan"))
        for axis in AXES:
            if name.endswith(("argmax", "argmin")) and isinstance(axis, (tuple, list)):
                continue
            for keepdims in ([False] if name == "count_nonzero" else [False, True]):
                kwargs = {"axis": axis} if name == "count_nonzero" else \
                    {"axis": axis, "keepdims": keepdims}
                if _follows_numpy(name, dtype, axis, keepdims):
                    ours = getattr(kops, name)(x, **kwargs)
                    expected = _numpy_reference(name, x, axis, keepdims)
                    assert ours.shape == expected.shape
                    np.testing.assert_allclose(ours.numpy().astype("float64"),
                                               expected.astype("float64"), rtol=2e-3)
                else:
                    checked += check_against_keras(name, x, **kwargs) is None
    assert checked > 10


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "all", "any", "std",
                                  "var", "argmax", "cumsum"])
def test_python_lists_and_scalars(name):
    check_against_keras(name, [[1, 2], [3, 4]])
    check_against_keras(name, [[1.5, 2.0], [-3.0, 4.0]], axis=0)
    check_against_keras(name, 2.5)


@pytest.mark.parametrize("initial", [None, 0.5, 5, -2])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_initial(name, initial):
    x = np.array([[1.0, -3.0, 4.0], [2.0, 0.0, -1.0]], "float32")
    check_against_keras(name, x, axis=1, initial=initial)
    check_against_keras(name, x.astype("int32"), axis=0, keepdims=True, initial=initial)


def test_max_min_of_empty_tensors():
    with pytest.raises(ValueError, match="initial"):
        kops.max(np.zeros((0, 3), "float32"))
    out = kops.min(np.zeros((0,), "float32"), initial=7.0)
    assert out.dtype == torch.float32 and out.shape == () and out.item() == 7.0
    # NumPy's shapes: the kept axis of length 0 stays empty.
    assert kops.max(np.zeros((0, 3), "float32"), axis=1).shape == (0,)
    assert kops.max(np.zeros((0, 3), "int32"), axis=0, initial=1).tolist() == [1, 1, 1]


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_scans(name, dtype):
    x = _sample(dtype, nan=name.startswith("nan"))[:, :2, :3]
    if "int" in dtype:
        x = np.clip(x, -3, 3)
    for axis in (None, 0, -1):
        check_against_keras(name, x, axis=axis)
    check_against_keras(name, x, axis=1, dtype="float32")
    check_against_keras(name, x, axis=1, dtype="int64")


def test_nancumsum_keeps_infinities():
    # NumPy keeps inf; Keras on torch replaces it by the largest finite float.
    x = np.array([1.0, np.nan, np.inf, 2.0], "float32")
    np.testing.assert_array_equal(kops.nancumsum(x).numpy(), np.nancumsum(x))
    np.testing.assert_array_equal(kops.nancumprod(-x).numpy(), np.nancumprod(-x))


@pytest.mark.parametrize("name", ["quantile", "nanquantile", "percentile", "nanpercentile"])
@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantiles(name, method):
    scale = 100.0 if "percentile" in name else 1.0
    x = _sample("float32", nan=name.startswith("nan"))
    for q in (0.3, [0.0, 0.25, 1.0]):
        q = np.asarray(q) * scale
        for axis in (None, 1, (0, 2)):
            for keepdims in (False, True):
                check_against_keras(name, x, q, axis=axis, method=method, keepdims=keepdims)
    for dtype in ("float64", "float16", "int32", "bool"):
        check_against_keras(name, _sample(dtype), 0.5 * scale, axis=-1)
    with pytest.raises(ValueError, match="method"):
        getattr(kops, name)(x, 0.5, method="cubic")


@pytest.mark.parametrize("weights", [None, "1d", "full"])
@pytest.mark.parametrize("dtype", ["float32", "int32", "float16", "float64"])
def test_average(weights, dtype):
    x = _sample(dtype)[0]  # (3, 4)
    w = {None: None, "1d": np.array([1.0, 2.0, 0.5, 3.0], "float32"),
         "full": np.abs(_BASE[1]).astype("float32") + 0.1}[weights]
    check_against_keras("average", x, axis=-1, weights=w)
    if weights is None:
        check_against_keras("average", x, axis=None, weights=w)
    if weights == "full":  # NumPy's answer: Keras on torch divides by per-row weight sums
        np.testing.assert_allclose(kops.average(x, axis=None, weights=w),
                                   np.average(x.astype("float32"), weights=w), rtol=2e-3)
    if weights == "1d":  # NumPy's 1-D weights along a non-last axis (Keras on torch breaks)
        w0 = np.array([1.0, 2.0, 4.0])
        np.testing.assert_allclose(kops.average(x.astype("float32"), axis=0, weights=w0),
                                   np.average(x, axis=0, weights=w0), rtol=2e-3)


def test_average_bad_weights():
    with pytest.raises(ValueError, match="weights"):
        kops.average(np.ones((3, 4)), axis=0, weights=np.ones(4))


@pytest.mark.parametrize("weights", [None, "float32", "int32"])
@pytest.mark.parametrize("minlength", [0, 9])
def test_bincount(weights, minlength):
    x = np.array([0, 1, 1, 3, 2, 1, 7], "int32")
    w = None if weights is None else np.arange(7).astype(weights) * 0.5 if weights == "float32" \
        else np.arange(7).astype(weights)
    check_against_keras("bincount", x, weights=w, minlength=minlength)
    x2 = np.array([[0, 1, 1], [2, 2, 0]], "int32")
    w2 = None if w is None else w[:6].reshape(2, 3)
    check_against_keras("bincount", x2, weights=w2, minlength=minlength + 3)


def test_bincount_errors():
    with pytest.raises(ValueError, match="sparse"):
        kops.bincount(np.array([1, 2]), sparse=True)
    with pytest.raises(ValueError, match="negative"):
        kops.bincount(np.array([1, -2]))
    with pytest.raises(TypeError, match="int"):
        kops.bincount(np.array([1.5, 2.0]))


@pytest.mark.parametrize("kwargs", [{}, {"bins": 4}, {"bins": 3, "range": (-1.0, 2.0)}])
def test_histogram(kwargs):
    x = np.array([0.1, 0.5, -0.7, 1.9, 1.0, 0.0, 3.0], "float32")
    check_against_keras("histogram", x, **kwargs)
    for bad, error in (({"bins": 2.5}, TypeError), ({"bins": -1}, ValueError),
                       ({"range": (2.0, 1.0)}, ValueError)):
        with pytest.raises(error):
            kops.histogram(x, **bad)
    with pytest.raises(ValueError, match="1-D"):
        kops.histogram(np.ones((2, 2), "float32"))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_corrcoef(dtype):
    x = _sample(dtype)[:, :, 0].T if dtype != "bool" else np.array([[1, 0, 1, 1], [0, 1, 1, 0]],
                                                                    bool)
    check_against_keras("corrcoef", x)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "bool"])
def test_trapezoid(dtype):
    y = _sample(dtype)
    check_against_keras("trapezoid", y)
    check_against_keras("trapezoid", y, dx=0.5, axis=0)
    check_against_keras("trapezoid", y, x=np.array([0.0, 0.5, 2.0, 2.5], "float32"))


def test_axis_errors():
    with pytest.raises(ValueError, match="out of bounds"):
        kops.sum(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="repeats"):
        kops.mean(np.ones((2, 3)), axis=(1, -1))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "prod", "std", "var", "median",
                                  "quantile", "cumsum", "cumprod", "nanmean", "nansum",
                                  "average", "trapezoid", "nanvar", "ptp"])
def test_gradients_match_keras(name):
    def call(module, x):
        fn = getattr(module, name)
        if name == "quantile":
            return fn(x, 0.3, axis=1)
        if name in ("cumsum", "cumprod", "trapezoid", "average"):
            return fn(x, axis=1)
        return fn(x, axis=1, keepdims=True)

    values = np.array([[0.5, -1.0, 2.0, 1.5], [3.0, 0.25, -2.0, 1.0]], "float32")
    grads = []
    for module in (kops, ops):
        x = torch.tensor(values, requires_grad=True)
        out = call(module, x)
        (out * torch.arange(1.0, out.numel() + 1).reshape(out.shape)).sum().backward()
        grads.append(x.grad)
    torch.testing.assert_close(grads[0], grads[1])


def test_bincount_weights_gradient():
    w = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    out = kops.bincount(np.array([2, 0, 2]), weights=w)
    (out * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
    torch.testing.assert_close(w.grad, torch.tensor([100.0, 1.0, 100.0]))


def test_reductions_on_keras_tensors_build_a_model():
    inputs = keraton.Input((3, 4))
    centered = inputs - kops.mean(inputs, axis=-1, keepdims=True)
    outputs = kops.sum(centered * centered, axis=(1, 2)) / kops.var(inputs, axis=(1, 2))
    index = kops.argmax(kops.max(inputs, axis=1), axis=-1)
    model = keraton.Model(inputs, [outputs, index])
    x = torch.tensor(np.random.default_rng(1).normal(size=(5, 3, 4)), dtype=torch.float32)
    got, got_index = model.predict(x, verbose=0)
    xc = x - kops.mean(x, axis=-1, keepdims=True)
    expected = kops.sum(xc * xc, axis=(1, 2)) / kops.var(x, axis=(1, 2))
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5)
    np.testing.assert_array_equal(got_index, kops.argmax(kops.max(x, axis=1), axis=-1).numpy())
