"""A Python scalar with the interface of a 0-d ``keras.Variable``.

Keras 3 stores an optimizer's ``iterations`` and float ``learning_rate`` in
0-d variables.  keraton keeps them as plain Python numbers instead, so reading
them (``float(opt.learning_rate)``, ``int(opt.iterations)``) and using them in
an update never synchronises with an accelerator.  :class:`ScalarVariable`
wraps such a number with the parts of the Keras variable API that user code
and callbacks use: ``float()``, ``int()``, ``numpy()``, ``assign()``,
``assign_add()``, arithmetic, comparisons and ``np.asarray``.
"""

from __future__ import annotations

import numbers
import operator

import numpy as np
import torch


def _unwrap(x):
    return x._value if isinstance(x, ScalarVariable) else x


def _binary(op, reflected=False):
    def method(self, other):
        other = _unwrap(other)
        if reflected:
            return op(other, self._value)
        return op(self._value, other)

    method.__name__ = f"__{'r' if reflected else ''}{op.__name__.strip('_')}__"
    return method


class ScalarVariable:
    """A number that reads and assigns like a 0-d ``keras.Variable`` (no device sync).

    Used for ``Optimizer.learning_rate`` (dtype ``'float32'``) and
    ``Optimizer.iterations`` (dtype ``'int64'``).  Arithmetic with numbers
    gives numbers; arithmetic with torch tensors gives tensors.

    Example:

    >>> lr = ScalarVariable(0.01, dtype="float32", name="learning_rate")
    >>> lr.assign(0.1)
    <Variable path=learning_rate, shape=(), dtype=float32, value=0.1>
    >>> float(lr * 2)
    0.2
    """

    shape = ()
    ndim = 0
    trainable = False

    def __init__(self, value, dtype: str = "float32", name: str | None = None,
                 path: str | None = None):
        if dtype not in ("float32", "float64", "int64"):
            raise ValueError(f"ScalarVariable dtype must be 'float32', 'float64' or 'int64', got {dtype!r}.")
        self.dtype = dtype
        self.name = name
        self.path = path or name
        self._value = self._cast(value)

    def _cast(self, value):
        value = _unwrap(value)
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().item()
        if isinstance(value, (bool, str)) or not isinstance(value, (numbers.Number, np.generic, np.ndarray)):
            raise TypeError(f"Expected a number for {self.name or 'the variable'}, got {value!r}.")
        if self.dtype == "int64":
            return int(value)
        # As a float32 Keras variable: the stored value is rounded to float32, so that
        # ``float(opt.learning_rate)`` reads 0.0010000000474974513 for 1e-3, as in Keras.
        return float(np.float32(value)) if self.dtype == "float32" else float(value)

    @property
    def value(self) -> torch.Tensor:
        """The value as a 0-d CPU torch tensor (a fresh copy)."""
        return torch.tensor(self._value, dtype=getattr(torch, self.dtype))

    def numpy(self) -> np.ndarray:
        """The value as a 0-d NumPy array of this variable's dtype, as ``Variable.numpy()``."""
        return np.array(self._value, dtype=self.dtype)

    def item(self):
        """The value as a Python ``int`` or ``float``."""
        return self._value

    def assign(self, value):
        """Set the value (a number, NumPy scalar or 0-d tensor); returns ``self``."""
        self._value = self._cast(value)
        return self

    def assign_add(self, value):
        """Add ``value`` in place; returns ``self``."""
        return self.assign(self._value + self._cast(value))

    def assign_sub(self, value):
        """Subtract ``value`` in place; returns ``self``."""
        return self.assign(self._value - self._cast(value))

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __index__(self):
        if self.dtype != "int64":
            raise TypeError(f"A {self.dtype} variable cannot be used as an index.")
        return self._value

    def __bool__(self):
        return bool(self._value)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.numpy(), dtype=dtype)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        """Let torch functions and tensor operators take this variable as its number."""
        args = tuple(_unwrap(a) for a in args)
        kwargs = {k: _unwrap(v) for k, v in (kwargs or {}).items()}
        return func(*args, **kwargs)

    def __format__(self, spec):
        return format(self._value, spec)

    def __repr__(self):
        return f"<Variable path={self.path}, shape=(), dtype={self.dtype}, value={self._value}>"

    def __neg__(self):
        return -self._value

    def __abs__(self):
        return abs(self._value)

    __hash__ = object.__hash__
    __add__ = _binary(operator.add)
    __radd__ = _binary(operator.add, reflected=True)
    __sub__ = _binary(operator.sub)
    __rsub__ = _binary(operator.sub, reflected=True)
    __mul__ = _binary(operator.mul)
    __rmul__ = _binary(operator.mul, reflected=True)
    __truediv__ = _binary(operator.truediv)
    __rtruediv__ = _binary(operator.truediv, reflected=True)
    __floordiv__ = _binary(operator.floordiv)
    __rfloordiv__ = _binary(operator.floordiv, reflected=True)
    __mod__ = _binary(operator.mod)
    __rmod__ = _binary(operator.mod, reflected=True)
    __pow__ = _binary(operator.pow)
    __rpow__ = _binary(operator.pow, reflected=True)
    __eq__ = _binary(operator.eq)
    __ne__ = _binary(operator.ne)
    __lt__ = _binary(operator.lt)
    __le__ = _binary(operator.le)
    __gt__ = _binary(operator.gt)
    __ge__ = _binary(operator.ge)
