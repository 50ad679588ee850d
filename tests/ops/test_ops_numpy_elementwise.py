"""keraton.ops element-wise ops against Keras 3 (torch backend) as the oracle."""

import inspect

import numpy as np
import pytest
import torch

import keraton
import keraton.ops as kops
from keraton.ops.numpy import elementwise

keras = pytest.importorskip("keras")
ops = keras.ops


def _name(dtype):
    return str(dtype).replace("torch.", "")


def _as_numpy(t):
    t = t.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.numpy()


def assert_same(ours, theirs, rtol=1e-6, atol=1e-6):
    """Same dtype (Keras's name), shape and values."""
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b, rtol, atol)
        return
    assert isinstance(ours, torch.Tensor)
    assert _name(ours.dtype) == keras.backend.standardize_dtype(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    if ours.dtype == torch.float16:
        rtol, atol = max(rtol, 2e-3), max(atol, 2e-3)
    np.testing.assert_allclose(_as_numpy(ours), _as_numpy(ops.convert_to_tensor(theirs)),
                               rtol=rtol, atol=atol)


def check_against_keras(name, *args, rtol=1e-6, atol=1e-6, extension=False, **kwargs):
    """Compare with Keras; where Keras raises we must raise too, unless ``extension``
    (keraton deliberately accepts the input: it must then return a tensor)."""
    try:
        theirs = getattr(ops, name)(*args, **kwargs)
    except Exception as err:
        if extension:
            assert isinstance(getattr(kops, name)(*args, **kwargs), torch.Tensor)
            return err
        with pytest.raises((TypeError, ValueError, RuntimeError, NotImplementedError)):
            getattr(kops, name)(*args, **kwargs)
        return err
    ours = getattr(kops, name)(*args, **kwargs)
    assert_same(ours, theirs, rtol, atol)
    return None


def test_all_listed_ops_exist_with_keras_signatures():
    assert len(elementwise.__all__) == 98
    for name in elementwise.__all__:
        ours = getattr(kops, name)
        assert ours.__doc__, name
        assert inspect.signature(ours) == inspect.signature(getattr(ops, name)), name


_PROMOTION_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "bfloat16", "float16",
                     "float32", "float64", int, float, None]


@pytest.mark.parametrize("first", _PROMOTION_DTYPES)
def test_promotion_rules_match_keras_result_type(first):
    for second in _PROMOTION_DTYPES:
        for args in ((first,), (first, second), (first, second, float), (first, second, "int8")):
            expected = keras.backend.result_type(*args)
            torch_args = [getattr(torch, a) if isinstance(a, str) else a for a in args]
            assert _name(elementwise._result_type(*torch_args)) == expected, args


@pytest.mark.parametrize("floatx", ["float64", "float16"])
def test_floatx_drives_int_to_float_results(floatx):
    x = np.array([1, 2, 3], "int32")
    keras.config.set_floatx(floatx)
    keraton.backend.set_floatx(floatx)
    try:
        for name in ("exp", "floor", "hypot", "divide_no_nan"):
            args = (x,) if name in ("exp", "floor") else (x, 2)
            check_against_keras(name, *args)
        check_against_keras("add", x, 1.5)
        check_against_keras("maximum", x, 1.5)
    finally:
        keras.config.set_floatx("float32")
        keraton.backend.set_floatx("float32")


# ---------------------------------------------------------------------------
# Unary ops over dtypes.
# ---------------------------------------------------------------------------

RNG = np.random.default_rng(0)
_BASE = np.array([[-2.5, -1.0, -0.25, 0.0], [0.5, 1.5, 2.0, 3.75]])


def _sample(dtype, domain="any"):
    if dtype == "bool":
        return np.array([[True, False, True, True], [False, False, True, False]])
    values = _BASE
    if domain == "unit":  # [-1, 1]
        values = _BASE / 4.0
    elif domain == "positive":
        values = np.abs(_BASE) + 0.5
    elif domain == "above_one":
        values = np.abs(_BASE) + 1.0
    elif domain == "open_unit":  # (-1, 1)
        values = _BASE / 4.5
    if "int" in dtype:
        values = np.round(values * (1 if domain in ("unit", "open_unit") else 2))
        if domain in ("positive", "above_one"):
            values = np.abs(values) + 1
        if dtype.startswith("uint"):
            values = np.abs(values)
    return values.astype(dtype)


UNARY = {
    "abs": "any", "absolute": "any", "arccos": "unit", "arccosh": "above_one",
    "arcsin": "unit", "arcsinh": "any", "arctan": "any", "arctanh": "open_unit", "cbrt": "any",
    "ceil": "any", "cos": "any", "cosh": "any", "deg2rad": "any", "exp": "any", "exp2": "any",
    "expm1": "any", "fabs": "any", "floor": "any", "i0": "any", "isfinite": "any",
    "isinf": "any", "isnan": "any", "isneginf": "any", "isposinf": "any", "isreal": "any",
    "log": "positive", "log10": "positive", "log1p": "positive", "log2": "positive",
    "logical_not": "any", "nan_to_num": "any", "negative": "any", "rad2deg": "any",
    "reciprocal": "positive", "round": "any", "sign": "any", "signbit": "any", "sin": "any",
    "sinc": "any", "sinh": "any", "sqrt": "positive", "square": "any", "tan": "any",
    "tanh": "any", "trunc": "any", "angle": "any", "real": "any", "conj": "any",
    "conjugate": "any", "bitwise_invert": "any", "bitwise_not": "any",
}
DTYPES = ["float32", "float64", "float16", "int32", "int64", "int8", "uint8", "bool"]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_keras(name):
    refusals = 0
    for dtype in DTYPES:
        if name.startswith("bitwise") and "float" in dtype:
            continue
        x = _sample(dtype, UNARY[name])
        # Keras's torch backend cannot round bools; keraton returns them unchanged.
        extension = name == "round" and dtype == "bool"
        refusals += check_against_keras(name, x, extension=extension) is not None
    assert refusals < len(DTYPES)  # the op worked on at least some dtypes
    # Python scalars and lists follow Keras's conversion (float -> float32, int -> int32).
    for value in (3, 0.75, [1, 2], [0.5, 1.0]):
        if name.startswith("bitwise") and not isinstance(value, int) and value != [1, 2]:
            continue
        # Keras's torch backend takes only arrays in these (torch.from_numpy).
        extension = name in ("real", "conj", "conjugate")
        check_against_keras(name, value, extension=extension)


def test_unary_special_values():
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 1.0], "float32")
    for name in ("isfinite", "isinf", "isnan", "isneginf", "isposinf", "signbit", "sign",
                 "nan_to_num", "abs", "exp", "sqrt", "trunc"):
        check_against_keras(name, x)
    check_against_keras("nan_to_num", x, nan=-1.0, posinf=9.0, neginf=-9.0)


def test_round_decimals_and_int_round_trip():
    check_against_keras("round", np.array([1.234, -2.5, 0.5, 3.456]), decimals=2)
    check_against_keras("round", np.array([1.25, -2.5], "float32"), 1)
    check_against_keras("round", np.array([1, 15, -25], "int32"), decimals=-1)


def test_complex_parts():
    z = np.array([1 + 2j, -3 - 0.5j], "complex64")
    for name in ("real", "imag", "conj", "conjugate", "angle", "abs"):
        check_against_keras(name, z)
    with pytest.raises(TypeError, match="complex"):
        kops.fabs(z)
    # NumPy's rule for real input, where Keras's torch backend raises.
    assert torch.equal(kops.imag(np.array([1.0, 2.0], "float32")), torch.zeros(2))


# ---------------------------------------------------------------------------
# Binary ops over dtype pairs, Python scalars included.
# ---------------------------------------------------------------------------

BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan",
          "floor_divide", "mod", "fmod", "power", "maximum", "minimum", "fmax", "fmin",
          "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
          "logical_and", "logical_or", "logical_xor", "arctan2", "hypot", "heaviside",
          "logaddexp", "logaddexp2", "isclose", "allclose", "isin"]
INT_BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm", "bitwise_left_shift",
              "bitwise_right_shift", "left_shift", "right_shift"]

_A = np.array([[-3.0, -1.5, 0.0, 2.0], [1.0, 4.0, 7.5, -0.5]])
_B = np.array([[2.0, -1.5, 3.0, 0.0], [1.0, 2.0, -2.5, 4.0]])


def _pair_args(kind1, kind2):
    def make(kind, values):
        if kind in ("py_int", "py_float", "py_bool"):
            return {"py_int": 3, "py_float": 1.5, "py_bool": True}[kind]
        if kind == "bool":
            return values > 0
        if "int" in kind:
            return np.round(values).astype(kind)
        return values.astype(kind)

    return make(kind1, _A), make(kind2, _B)


PAIRS = [("float32", "float32"), ("int32", "float32"), ("float16", "float64"),
         ("int32", "py_int"), ("int8", "py_int"), ("int32", "py_float"),
         ("float16", "py_float"), ("bool", "bool"), ("int64", "int32"), ("uint8", "int8"),
         ("py_float", "float64"), ("bool", "py_int"), ("float32", "py_bool"),
         ("int16", "float16")]


@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_keras(name):
    refusals = 0
    for kinds in PAIRS:
        refusals += check_against_keras(name, *_pair_args(*kinds)) is not None
    assert refusals < len(PAIRS) // 2


@pytest.mark.parametrize("name", INT_BINARY)
def test_integer_binary_matches_keras(name):
    x = np.array([[1, 6, 12], [7, 0, 9]], "int32")
    y = np.array([2, 3, 1], "int32")
    check_against_keras(name, x, y)
    check_against_keras(name, x.astype("int64"), y.astype("int8"))
    check_against_keras(name, x.astype("int8"), 2)
    check_against_keras(name, x > 3, y > 1)


def test_scalar_scalar_and_broadcasting():
    for name in ("add", "divide", "maximum", "floor_divide", "power", "multiply"):
        check_against_keras(name, 7, 2)
        check_against_keras(name, 7.0, 2)
        check_against_keras(name, np.ones((2, 1, 3), "float32"), np.arange(4.0).reshape(4, 1))


def test_divide_no_nan_gives_zero_and_finite_gradient():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = torch.tensor([2.0, 0.0, 4.0], requires_grad=True)
    out = kops.divide_no_nan(x, y)
    torch.testing.assert_close(out, torch.tensor([0.5, 0.0, 0.75]))
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()


def test_nextafter_matches_numpy():
    # Keras's torch backend steps in float64 and rounds back, which gives x1 itself
    # in float32; keraton steps in the result dtype, as NumPy does.
    x1 = np.array([1.0, -2.0, 0.0], "float32")
    x2 = np.array([2.0, -3.0, -1.0], "float32")
    ours = kops.nextafter(x1, x2)
    assert ours.dtype == torch.float32
    np.testing.assert_array_equal(ours.numpy(), np.nextafter(x1, x2))
    assert kops.nextafter(np.float64(1.0), 2.0).dtype == torch.float32  # Keras's dtype


def test_ldexp():
    check_against_keras("ldexp", np.array([1.0, 2.5, -3.0], "float32"),
                        np.array([1, 2, -1], "int32"))
    check_against_keras("ldexp", np.array([1, 2, 3], "int32"), np.array([1, 2, 3], "int32"))
    with pytest.raises(TypeError, match="integer dtype"):
        kops.ldexp(np.ones(2, "float32"), np.ones(2, "float32"))


# ---------------------------------------------------------------------------
# Ops with extra arguments.
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("x_min,x_max", [(0.5, 2.5), (1, 3), (np.float32(-1), 1.0),
                                         (np.array([0, 1, 2, 0]), 2)])
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64", "int32", "bool"])
def test_clip(dtype, x_min, x_max):
    x = np.array([-1.0, 0.0, 2.0, 5.0]).astype(dtype)
    check_against_keras("clip", x, x_min, x_max)


@pytest.mark.parametrize("args", [
    ([True, False, True], [1, 2, 3], [4, 5, 6]),
    ([True, False, True], np.array([1.0, 2.0, 3.0], "float16"), 0),
    ([[1, 0], [0, 1]], 1.5, np.zeros((2, 2), "int32")),
    (np.array([True, False]), np.ones((3, 1), "int8"), np.zeros(2, "int8")),
    ([[1, 0, 3], [0, 0, 1]],),
])
def test_where(args):
    check_against_keras("where", *args)


def test_where_and_select_errors():
    with pytest.raises(ValueError, match="both"):
        kops.where([True], [1])
    with pytest.raises(ValueError, match="lists"):
        kops.select(np.array([True]), [1])
    with pytest.raises(ValueError, match="empty"):
        kops.select([], [])


def test_select():
    x = np.arange(6, dtype="float32")
    check_against_keras("select", [x < 2, x > 3], [x, x**2])
    check_against_keras("select", [x < 2, x < 4], [x, -x], default=7.5)
    check_against_keras("select", [x < 2], [np.arange(6, dtype="int32")], default=-1)


@pytest.mark.parametrize("kwargs", [{}, {"rtol": 0.1}, {"atol": 0.6}, {"equal_nan": True}])
def test_isclose_allclose(kwargs):
    x1 = np.array([1.0, 2.0, np.nan, 10.0], "float32")
    x2 = np.array([1.0, 2.1, np.nan, 10.5])
    check_against_keras("isclose", x1, x2, **kwargs)
    check_against_keras("allclose", x1, x2, **kwargs)
    check_against_keras("isclose", np.array([1, 2, 3]), np.array([1, 3, 3], "int32"), **kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"invert": True}, {"assume_unique": True}])
def test_isin(kwargs):
    check_against_keras("isin", np.array([[1, 2], [3, 4]]), [2, 4, 9], **kwargs)
    check_against_keras("isin", np.array([0.5, 1.0]), np.array([1, 2], "int32"), **kwargs)


@pytest.mark.parametrize("x,bins", [
    (np.array([0.2, 1.0, 2.5, 7.0, -1.0]), np.array([0.0, 1.0, 2.5, 5.0])),
    (np.array([[1, 5], [3, 9]], "int32"), np.array([2, 4, 8], "int32")),
    (np.array([True, False]), np.array([0.5])),
])
def test_digitize(x, bins):
    check_against_keras("digitize", x, bins)


# ---------------------------------------------------------------------------
# Gradients and functional models.
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sinc", "abs", "square",
                                  "maximum", "minimum", "divide", "power", "clip", "hypot",
                                  "logaddexp", "arctan2", "where"])
def test_gradients_match_keras(name):
    def call(module, x, y):
        fn = getattr(module, name)
        if name == "clip":
            return fn(x, 0.7, 1.8)
        if name == "where":
            return fn(x > 1.2, x * y, y)
        if name in ("maximum", "minimum", "divide", "power", "hypot", "logaddexp", "arctan2"):
            return fn(x, y)
        return fn(x)

    values = [0.5, 1.0, 1.5, 2.5]
    grads = []
    for module in (kops, ops):
        x = torch.tensor(values, requires_grad=True)
        y = torch.tensor([1.0, 2.0, 1.25, 0.75], requires_grad=True)
        (call(module, x, y) * torch.arange(1.0, 5.0)).sum().backward()
        grads.append((x.grad, y.grad))
    for ours, theirs in zip(*grads):
        if theirs is None:
            assert ours is None or torch.all(ours == 0)
        else:
            torch.testing.assert_close(ours, theirs)


def test_ops_on_keras_tensors_build_a_model():
    inputs = keraton.Input((4,))
    other = keraton.Input((4,))
    hidden = kops.maximum(kops.multiply(inputs, other), 0.25)
    outputs = kops.where(kops.greater(hidden, 1.0), kops.log(hidden), kops.square(hidden))
    model = keraton.Model([inputs, other], outputs)
    a = RNG.normal(size=(3, 4)).astype("float32") * 2
    b = RNG.normal(size=(3, 4)).astype("float32")
    expected = kops.where(kops.greater(kops.maximum(a * b, 0.25), 1.0),
                          kops.log(kops.maximum(a * b, 0.25)),
                          kops.square(kops.maximum(a * b, 0.25)))
    np.testing.assert_allclose(model.predict([a, b], verbose=0), expected.numpy(), rtol=1e-6)
