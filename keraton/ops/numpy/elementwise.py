"""Element-wise maths, comparisons and logic of ``keras.ops`` (``keras.ops.numpy``), on torch.

Inputs are converted with Keras 3's rules (:func:`keraton.ops._utils.convert_to_tensor`).
Result dtypes follow Keras 3 on its torch backend: most ops let torch promote
(a Python scalar or 0-d tensor does not widen a tensor of its own kind), and
the ops that Keras routes through its own promotion lattice
(``keras.backend.result_type``: JAX-like, 64-bit results narrowed to 32 bits)
use :func:`_result_type` below.
"""

from __future__ import annotations

import torch

from keraton import backend
from keraton.ops._utils import convert_to_tensor, keras_op
from keraton.ops._utils import result_type as _result_type

__all__ = [
    "abs", "absolute", "add", "angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
    "arctan2", "arctanh", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "cbrt", "ceil", "clip", "conj",
    "conjugate", "cos", "cosh", "deg2rad", "divide", "divide_no_nan", "equal", "exp", "exp2",
    "expm1", "fabs", "floor", "floor_divide", "fmax", "fmin", "fmod", "gcd", "greater",
    "greater_equal", "heaviside", "hypot", "i0", "imag", "isclose", "allclose", "isfinite",
    "isin", "isinf", "isnan", "isneginf", "isposinf", "isreal", "lcm", "ldexp", "left_shift",
    "less", "less_equal", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2",
    "logical_and", "logical_not", "logical_or", "logical_xor", "maximum", "minimum", "mod",
    "multiply", "nan_to_num", "negative", "nextafter", "not_equal", "power", "rad2deg", "real",
    "reciprocal", "right_shift", "round", "sign", "signbit", "sin", "sinc", "sinh", "sqrt",
    "square", "subtract", "tan", "tanh", "true_divide", "trunc", "where", "select", "digitize",
]

def _floatx() -> torch.dtype:
    return backend.torch_dtype(None)


def _is_int_or_bool(dtype: torch.dtype) -> bool:
    return dtype == torch.bool or not (dtype.is_floating_point or dtype.is_complex)


def _scalar_or_tensor(x):
    """Python numbers stay as they are (weak types for promotion); anything else is converted."""
    return x if isinstance(x, (int, float)) else convert_to_tensor(x)


def _dtype_of(x):
    return x.dtype if isinstance(x, torch.Tensor) else type(x)


def _to_dtype(x, dtype: torch.dtype) -> torch.Tensor:
    return convert_to_tensor(x, dtype)


# ---------------------------------------------------------------------------
# One-to-one mappings onto torch (torch's promotion is Keras's here).
# ---------------------------------------------------------------------------

def _unary(name: str, torch_fn, doc: str):
    def op(x):
        return torch_fn(convert_to_tensor(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return keras_op(op)


def _binary(name: str, torch_fn, doc: str, args=("x1", "x2")):
    if args == ("x1", "x2"):
        def op(x1, x2):
            return torch_fn(convert_to_tensor(x1), convert_to_tensor(x2))
    else:  # the bitwise ops name their arguments x, y in Keras
        def op(x, y):
            return torch_fn(convert_to_tensor(x), convert_to_tensor(y))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return keras_op(op)


_TRIG = "Element-wise {}; integer and bool inputs give torch's default float, as Keras on torch."
arccos = _unary("arccos", torch.arccos, _TRIG.format("inverse cosine"))
arccosh = _unary("arccosh", torch.arccosh, _TRIG.format("inverse hyperbolic cosine"))
arcsin = _unary("arcsin", torch.arcsin, _TRIG.format("inverse sine"))
arcsinh = _unary("arcsinh", torch.arcsinh, _TRIG.format("inverse hyperbolic sine"))
arctan = _unary("arctan", torch.arctan, _TRIG.format("inverse tangent"))
arctanh = _unary("arctanh", torch.arctanh, _TRIG.format("inverse hyperbolic tangent"))
cos = _unary("cos", torch.cos, _TRIG.format("cosine"))
cosh = _unary("cosh", torch.cosh, _TRIG.format("hyperbolic cosine"))
sin = _unary("sin", torch.sin, _TRIG.format("sine"))
sinh = _unary("sinh", torch.sinh, _TRIG.format("hyperbolic sine"))
tan = _unary("tan", torch.tan, _TRIG.format("tangent"))
tanh = _unary("tanh", torch.tanh, _TRIG.format("hyperbolic tangent"))
log = _unary("log", torch.log, _TRIG.format("natural logarithm"))
log10 = _unary("log10", torch.log10, _TRIG.format("base-10 logarithm"))
log1p = _unary("log1p", torch.log1p, _TRIG.format("``log(1 + x)``"))
log2 = _unary("log2", torch.log2, _TRIG.format("base-2 logarithm"))
sinc = _unary("sinc", torch.sinc, _TRIG.format("normalized sinc, ``sin(pi x) / (pi x)``"))
reciprocal = _unary("reciprocal", torch.reciprocal, _TRIG.format("``1 / x``"))
angle = _unary("angle", torch.angle, "Element-wise argument of complex numbers (0 or pi for reals).")
sign = _unary("sign", torch.sign, "Element-wise sign (-1, 0 or 1) in the dtype of ``x``.")
signbit = _unary("signbit", torch.signbit, "Element-wise: is the sign bit set (``-0.0`` too)? Bool.")
negative = _unary("negative", torch.negative, "Element-wise ``-x``, in the dtype of ``x``.")
isfinite = _unary("isfinite", torch.isfinite, "Element-wise: is ``x`` finite? Bool.")
isinf = _unary("isinf", torch.isinf, "Element-wise: is ``x`` +inf or -inf? Bool.")
isnan = _unary("isnan", torch.isnan, "Element-wise: is ``x`` NaN? Bool.")
isneginf = _unary("isneginf", torch.isneginf, "Element-wise: is ``x`` -inf? Bool.")
isposinf = _unary("isposinf", torch.isposinf, "Element-wise: is ``x`` +inf? Bool.")
isreal = _unary("isreal", torch.isreal, "Element-wise: is the imaginary part zero? Bool.")
logical_not = _unary("logical_not", torch.logical_not, "Element-wise logical NOT; bool result.")
bitwise_invert = _unary("bitwise_invert", torch.bitwise_not,
                        "Element-wise bitwise NOT of integer or bool ``x``.")
bitwise_not = _unary("bitwise_not", torch.bitwise_not,
                     "Element-wise bitwise NOT of integer or bool ``x`` (as ``bitwise_invert``).")

_ARITH = "Element-wise {}, with torch's promotion as Keras on torch (``bool + bool`` stays bool)."
add = _binary("add", torch.add, _ARITH.format("``x1 + x2``"))
multiply = _binary("multiply", torch.multiply, _ARITH.format("``x1 * x2``"))
power = _binary("power", torch.pow, "Element-wise ``x1 ** x2``, dtype by torch's promotion.")
_CMP = "Element-wise ``{}``, broadcast; bool result."
equal = _binary("equal", torch.eq, _CMP.format("x1 == x2"))
not_equal = _binary("not_equal", torch.ne, _CMP.format("x1 != x2"))
greater = _binary("greater", torch.gt, _CMP.format("x1 > x2"))
greater_equal = _binary("greater_equal", torch.ge, _CMP.format("x1 >= x2"))
less = _binary("less", torch.lt, _CMP.format("x1 < x2"))
less_equal = _binary("less_equal", torch.le, _CMP.format("x1 <= x2"))
logical_and = _binary("logical_and", torch.logical_and, _CMP.format("x1 and x2"))
logical_or = _binary("logical_or", torch.logical_or, _CMP.format("x1 or x2"))
logical_xor = _binary("logical_xor", torch.logical_xor, _CMP.format("x1 xor x2"))
_BITS = "Element-wise bitwise {} of integer or bool tensors."
bitwise_and = _binary("bitwise_and", torch.bitwise_and, _BITS.format("AND"), ("x", "y"))
bitwise_or = _binary("bitwise_or", torch.bitwise_or, _BITS.format("OR"), ("x", "y"))
bitwise_xor = _binary("bitwise_xor", torch.bitwise_xor, _BITS.format("XOR"), ("x", "y"))
gcd = _binary("gcd", torch.gcd, "Element-wise greatest common divisor of integer tensors.")
lcm = _binary("lcm", torch.lcm, "Element-wise least common multiple of integer tensors.")


# ---------------------------------------------------------------------------
# Arithmetic with Keras's own dtype rules.
# ---------------------------------------------------------------------------

@keras_op
def subtract(x1, x2):
    """Element-wise ``x1 - x2``; a bool operand takes the other's dtype first (as Keras)."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x1.dtype == torch.bool:
        x1 = x1.to(x2.dtype)
    if x2.dtype == torch.bool:
        x2 = x2.to(x1.dtype)
    return torch.subtract(x1, x2)


@keras_op
def divide(x1, x2):
    """Element-wise true division ``x1 / x2``; integer inputs give floatx (torch's rule, as Keras)."""
    x1, x2 = _scalar_or_tensor(x1), _scalar_or_tensor(x2)
    if not isinstance(x1, torch.Tensor) and not isinstance(x2, torch.Tensor):
        x1 = convert_to_tensor(x1)
    return torch.divide(x1, x2)


@keras_op
def true_divide(x1, x2):
    """Alias of :func:`divide`."""
    return divide(x1, x2)


@keras_op
def divide_no_nan(x1, x2):
    """``x1 / x2`` with 0 where ``x2 == 0``; result is the float promotion of both (Keras)."""
    dtype = _result_type(_dtype_of(_scalar_or_tensor(x1)), _dtype_of(_scalar_or_tensor(x2)), float)
    x1, x2 = _to_dtype(x1, dtype), _to_dtype(x2, dtype)
    zero = x2 == 0
    # Divide by 1 where x2 is 0 so that no inf/NaN enters the graph (gradients stay finite).
    return torch.where(zero, torch.zeros((), dtype=dtype), x1 / torch.where(zero, 1, x2))


@keras_op
def floor_divide(x1, x2):
    """Element-wise ``x1 // x2`` (rounding down), in Keras's promoted dtype of the inputs."""
    x1, x2 = _scalar_or_tensor(x1), _scalar_or_tensor(x2)
    dtype = _result_type(_dtype_of(x1), _dtype_of(x2))
    if not isinstance(x1, torch.Tensor) and not isinstance(x2, torch.Tensor):
        x1 = convert_to_tensor(x1)
    return torch.floor_divide(x1, x2).to(dtype)


def _int_if_both_bool(x1, x2):
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x1.dtype == torch.bool and x2.dtype == torch.bool:
        return x1.to(torch.int32), x2.to(torch.int32)
    return x1, x2


@keras_op
def mod(x1, x2):
    """Element-wise remainder with the sign of ``x2`` (NumPy's ``mod``); bools compute as int32."""
    return torch.remainder(*_int_if_both_bool(x1, x2))


@keras_op
def fmod(x1, x2):
    """Element-wise C-style remainder with the sign of ``x1``; bools compute as int32."""
    return torch.fmod(*_int_if_both_bool(x1, x2))


def _promoted_pair(x1, x2):
    x1, x2 = _scalar_or_tensor(x1), _scalar_or_tensor(x2)
    dtype = _result_type(_dtype_of(x1), _dtype_of(x2))
    return _to_dtype(x1, dtype), _to_dtype(x2, dtype)


@keras_op
def maximum(x1, x2):
    """Element-wise maximum (NaN propagates), in Keras's promoted dtype (Python scalars weak)."""
    return torch.maximum(*_promoted_pair(x1, x2))


@keras_op
def minimum(x1, x2):
    """Element-wise minimum (NaN propagates), in Keras's promoted dtype (Python scalars weak)."""
    return torch.minimum(*_promoted_pair(x1, x2))


@keras_op
def fmax(x1, x2):
    """Element-wise maximum ignoring NaN when the other value is a number; promoted dtype."""
    return torch.fmax(*_promoted_pair(x1, x2))


@keras_op
def fmin(x1, x2):
    """Element-wise minimum ignoring NaN when the other value is a number; promoted dtype."""
    return torch.fmin(*_promoted_pair(x1, x2))


def _float_pair(x1, x2, compute_f16_in_f32=False):
    """Both inputs in the float promotion of their dtypes; also that dtype."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    dtype = _result_type(x1.dtype, x2.dtype, float)
    compute = torch.float32 if compute_f16_in_f32 and dtype == torch.float16 else dtype
    return x1.to(compute), x2.to(compute), dtype


@keras_op
def arctan2(x1, x2):
    """Element-wise angle of the point ``(x2, x1)``; float promotion of the inputs."""
    x1, x2, dtype = _float_pair(x1, x2, compute_f16_in_f32=True)
    return torch.arctan2(x1, x2).to(dtype)


@keras_op
def logaddexp(x1, x2):
    """Element-wise ``log(exp(x1) + exp(x2))``, computed stably; float promotion of the inputs."""
    x1, x2, dtype = _float_pair(x1, x2, compute_f16_in_f32=True)
    return torch.logaddexp(x1, x2).to(dtype)


@keras_op
def logaddexp2(x1, x2):
    """Element-wise ``log2(2**x1 + 2**x2)``, computed stably; float promotion of the inputs."""
    x1, x2, dtype = _float_pair(x1, x2, compute_f16_in_f32=True)
    return torch.logaddexp2(x1, x2).to(dtype)


@keras_op
def nextafter(x1, x2):
    """The next representable float after ``x1`` towards ``x2``, in their float promotion."""
    x1, x2, dtype = _float_pair(x1, x2)
    return torch.nextafter(x1, x2)


def _int_to_float_pair(x1, x2):
    # Keras promotes, then turns integer results into floatx (int64 into float64).
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    dtype = _result_type(x1.dtype, x2.dtype)
    if dtype == torch.int64:
        dtype = torch.float64
    elif dtype != torch.bool and not dtype.is_floating_point:
        dtype = _floatx()
    return x1.to(dtype), x2.to(dtype)


@keras_op
def heaviside(x1, x2):
    """Step function: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``."""
    return torch.heaviside(*_int_to_float_pair(x1, x2))


@keras_op
def hypot(x1, x2):
    """Element-wise ``sqrt(x1**2 + x2**2)``; integer inputs give floatx, as in Keras."""
    return torch.hypot(*_int_to_float_pair(x1, x2))


@keras_op
def ldexp(x1, x2):
    """Element-wise ``x1 * 2**x2`` with integer ``x2``; float promotion of the inputs."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x2.dtype == torch.bool or x2.dtype.is_floating_point or x2.dtype.is_complex:
        raise TypeError(f"ldexp: the exponent `x2` must have an integer dtype; received "
                        f"{backend.dtype_name(x2.dtype)}. Cast it to an int dtype first.")
    dtype = _result_type(x1.dtype, x2.dtype, float)
    return torch.ldexp(x1, x2).to(dtype)


# ---------------------------------------------------------------------------
# Unary ops with Keras's dtype rules.
# ---------------------------------------------------------------------------

@keras_op
def absolute(x):
    """Element-wise absolute value in the dtype of ``x`` (bool stays bool)."""
    x = convert_to_tensor(x)
    return x if x.dtype == torch.bool else torch.abs(x)


@keras_op
def abs(x):
    """Alias of :func:`absolute`."""
    return absolute(x)


@keras_op
def fabs(x):
    """Element-wise absolute value as a float: integer and bool inputs give floatx."""
    x = convert_to_tensor(x)
    if x.dtype.is_complex:
        raise TypeError(f"fabs does not accept complex inputs; received dtype "
                        f"{backend.dtype_name(x.dtype)}. Use `abs` for complex magnitudes.")
    return torch.abs(x.to(_floatx()) if _is_int_or_bool(x.dtype) else x)


def _float_unary(name: str, torch_fn, doc: str):
    def op(x):
        x = convert_to_tensor(x)
        return torch_fn(x.to(_floatx()) if _is_int_or_bool(x.dtype) else x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return keras_op(op)


exp = _float_unary("exp", torch.exp, "Element-wise ``e**x``; integer and bool inputs give floatx.")
exp2 = _float_unary("exp2", torch.exp2, "Element-wise ``2**x``; integer and bool inputs give floatx.")
expm1 = _float_unary("expm1", torch.expm1,
                     "Element-wise ``exp(x) - 1``, accurate near 0; integer/bool give floatx.")


@keras_op
def sqrt(x):
    """Element-wise square root; integer and bool inputs give floatx, as in Keras."""
    x = convert_to_tensor(x)
    return torch.sqrt(x.to(_floatx()) if x.dtype == torch.int64 else x)


@keras_op
def square(x):
    """Element-wise ``x * x`` in the dtype of ``x``; bool gives int32, as in Keras."""
    x = convert_to_tensor(x)
    return torch.square(x.to(torch.int32) if x.dtype == torch.bool else x)


@keras_op
def cbrt(x):
    """Element-wise real cube root; int32/bool give floatx, int64 gives float64 (Keras on torch)."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    elif x.dtype == torch.int64:
        x = x.to(torch.float64)
    return torch.sign(x) * torch.abs(x) ** (1.0 / 3.0)


def _rounding(name: str, torch_fn, doc: str):
    def op(x):
        x = convert_to_tensor(x)
        dtype = _floatx() if x.dtype == torch.int64 else _result_type(x.dtype, float)
        return torch_fn(x.to(dtype))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return keras_op(op)


ceil = _rounding("ceil", torch.ceil,
                 "Element-wise ceiling as a float (Keras's float promotion of ``x``'s dtype).")
floor = _rounding("floor", torch.floor,
                  "Element-wise floor as a float (Keras's float promotion of ``x``'s dtype).")


@keras_op
def trunc(x):
    """Element-wise rounding towards zero, in the dtype of ``x``."""
    x = convert_to_tensor(x)
    return x if x.dtype == torch.bool else torch.trunc(x)


@keras_op
def round(x, decimals=0):
    """Round half to even to ``decimals`` places, keeping the dtype of ``x`` (ints too)."""
    x = convert_to_tensor(x)
    if _is_int_or_bool(x.dtype):
        return torch.round(x.to(_floatx()), decimals=decimals).to(x.dtype)
    return torch.round(x, decimals=decimals)


def _degrees_or_radians(x, torch_fn):
    x = convert_to_tensor(x)
    return torch_fn(x.to(torch.float64) if x.dtype == torch.int64 else x)


@keras_op
def deg2rad(x):
    """Degrees to radians; int64 gives float64, other integers floatx (as Keras on torch)."""
    return _degrees_or_radians(x, torch.deg2rad)


@keras_op
def rad2deg(x):
    """Radians to degrees; int64 gives float64, other integers floatx (as Keras on torch)."""
    return _degrees_or_radians(x, torch.rad2deg)


@keras_op
def i0(x):
    """Modified Bessel function of the first kind, order 0; int64/float64 give float64."""
    x = convert_to_tensor(x)
    if x.dtype in (torch.int64, torch.float64):
        dtype = torch.float64
    elif x.dtype in (torch.float16, torch.bfloat16):
        dtype = x.dtype
    else:
        dtype = _floatx()
    return torch.i0(x.to(dtype))


@keras_op
def conjugate(x):
    """Element-wise complex conjugate (real inputs are returned unchanged)."""
    return torch.conj(convert_to_tensor(x)).resolve_conj()


@keras_op
def conj(x):
    """Alias of :func:`conjugate`."""
    return conjugate(x)


@keras_op
def real(x):
    """Real part of each element (real inputs are returned unchanged)."""
    return torch.real(convert_to_tensor(x))


@keras_op
def imag(x):
    """Imaginary part of each element; zeros of ``x``'s dtype for real inputs (as NumPy)."""
    x = convert_to_tensor(x)
    return torch.imag(x) if x.dtype.is_complex else torch.zeros_like(x)


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replace NaN by ``nan`` and infinities by ``posinf``/``neginf`` (default: dtype's extremes)."""
    x = convert_to_tensor(x)
    if _is_int_or_bool(x.dtype):  # nothing to replace
        return x
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@keras_op
def clip(x, x_min, x_max):
    """Clamp ``x`` into ``[x_min, x_max]``; bool computes as int32, dtype by torch's promotion."""
    x = convert_to_tensor(x)
    x_min, x_max = convert_to_tensor(x_min), convert_to_tensor(x_max)
    if x.dtype == torch.float16:  # computed in float32, returned as float16, as Keras on CPU
        return torch.clip(x.float(), min=x_min, max=x_max).to(torch.float16)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.clip(x, min=x_min, max=x_max)


# ---------------------------------------------------------------------------
# Closeness, membership, shifts.
# ---------------------------------------------------------------------------

def _close(x1, x2, rtol, atol, equal_nan):
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    dtype = _result_type(x1.dtype, x2.dtype)
    x1, x2 = x1.to(dtype), x2.to(dtype)
    if dtype.is_floating_point:
        return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return torch.eq(x1, x2)


@keras_op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Element-wise ``|x1 - x2| <= atol + rtol * |x2|`` in the promoted dtype; bool result."""
    return _close(x1, x2, rtol, atol, equal_nan)


@keras_op
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether :func:`isclose` holds everywhere; a 0-d bool tensor."""
    return torch.all(_close(x1, x2, rtol, atol, equal_nan))


@keras_op
def isin(x1, x2, assume_unique=False, invert=False):
    """Element-wise: is each value of ``x1`` among the values of ``x2``? Bool, shape of ``x1``."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x1.dtype == torch.bool and x2.dtype == torch.bool:
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    elif x1.dtype == torch.bool:
        x1 = x1.to(x2.dtype)
    elif x2.dtype == torch.bool:
        x2 = x2.to(x1.dtype)
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def _shift_amount(y):
    return y if isinstance(y, int) else convert_to_tensor(y)


@keras_op
def bitwise_left_shift(x, y):
    """Element-wise ``x << y`` for integer tensors (a Python int ``y`` keeps ``x``'s dtype)."""
    return torch.bitwise_left_shift(convert_to_tensor(x), _shift_amount(y))


@keras_op
def bitwise_right_shift(x, y):
    """Element-wise ``x >> y`` for integer tensors (a Python int ``y`` keeps ``x``'s dtype)."""
    return torch.bitwise_right_shift(convert_to_tensor(x), _shift_amount(y))


@keras_op
def left_shift(x, y):
    """Alias of :func:`bitwise_left_shift`."""
    return bitwise_left_shift(x, y)


@keras_op
def right_shift(x, y):
    """Alias of :func:`bitwise_right_shift`."""
    return bitwise_right_shift(x, y)


# ---------------------------------------------------------------------------
# Selection.
# ---------------------------------------------------------------------------

@keras_op
def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` else ``x2``; with only ``condition``, the indices of its
    true elements as an int64 tensor of shape ``(condition.ndim, count)``."""
    if (x1 is None) != (x2 is None):
        raise ValueError("where: `x1` and `x2` must both be given or both be None; received "
                         f"x1={'None' if x1 is None else 'a value'} and "
                         f"x2={'None' if x2 is None else 'a value'}.")
    condition = convert_to_tensor(condition, torch.bool)
    if x1 is None:
        return torch.stack(torch.where(condition), dim=0)
    return torch.where(condition, convert_to_tensor(x1), convert_to_tensor(x2))


@keras_op
def select(condlist, choicelist, default=0):
    """Per element, the value of the first ``choicelist`` entry whose condition holds,
    else ``default``."""
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise ValueError("select: `condlist` and `choicelist` must be lists or tuples; received "
                         f"{type(condlist).__name__} and {type(choicelist).__name__}.")
    if not condlist or not choicelist:
        raise ValueError("select: `condlist` and `choicelist` must not be empty; received "
                         f"{len(condlist)} conditions and {len(choicelist)} choices.")
    out = convert_to_tensor(default)
    # Filling from the last pair to the first lets earlier conditions win.
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = torch.where(convert_to_tensor(cond), convert_to_tensor(choice), out)
    return out


@keras_op
def digitize(x, bins):
    """Index of the bin (given by increasing ``bins`` edges) each value falls in; int32.

    As NumPy's ``digitize`` with ``right=False``: ``bins[i-1] <= x < bins[i]`` gives ``i``.
    """
    x, bins = convert_to_tensor(x), convert_to_tensor(bins)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return torch.bucketize(x, bins, right=True).to(torch.int32)
