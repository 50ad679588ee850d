"""Keras 2 backend tensor functions (``K.mean``, ``K.batch_dot``...) on torch tensors.

Keras 2 programs call ``K.mean``, ``K.square``, ``K.batch_dot``... inside
``Lambda`` layers, custom losses and custom layers.  Here each function is
plain torch code with Keras 2's semantics (those of ``keras._legacy.backend``
in Keras 3): ``axis`` may be an int, a tuple or ``None`` (all axes); ``sqrt``
clips negatives to 0; ``clip`` accepts ``None`` bounds; the crossentropies clip
probabilities to ``[epsilon, 1 - epsilon]``.  Inputs may be torch tensors,
NumPy arrays or Python numbers; results are torch tensors.

These functions are re-exported by :mod:`keraton.backend`, so Keras 2 code
runs unchanged:

Example:
    >>> from keraton import backend as K
    >>> K.mean(K.square(torch.tensor([[1.0, 2.0], [3.0, 4.0]])), axis=-1)
    tensor([ 2.5000, 12.5000])
"""

from __future__ import annotations

import builtins
import operator

import numpy as np
import torch
import torch.nn.functional as F

from keraton.backend import floatx, torch_dtype
from keraton.backend_functions import update_scope
from keraton.utils.dtype_utils import bool_as_uint8


def _t(x) -> torch.Tensor:
    """``x`` as a torch tensor (tensors pass through; floats become ``floatx``)."""
    if isinstance(x, torch.Tensor):
        return x
    if hasattr(x, "value") and hasattr(x, "assign"):  # ScalarVariable
        return x.value
    array = np.asarray(x)
    if array.dtype == np.float64 and not isinstance(x, np.ndarray):
        array = array.astype(floatx())  # Python floats, as Keras 2's convert_to_tensor
    elif builtins.any(stride < 0 for stride in array.strides):  # torch rejects reversed views
        array = array.copy()
    return torch.as_tensor(array)


def _axes(x: torch.Tensor, axis) -> tuple:
    """A reduction's ``axis`` as a tuple of ints: None (all), an int, or a sequence or array of them.

    Keras 2 took NumPy integers and arrays too (``axis=np.arange(1, ndim)`` in
    keras-contrib's gradient penalty); torch takes only Python ints.
    """
    if axis is None:
        return tuple(range(x.ndim))
    if isinstance(axis, (np.ndarray, torch.Tensor)):
        axis = axis.tolist()
    items = axis if isinstance(axis, (list, tuple, range)) else [axis]
    try:
        return tuple(operator.index(a) for a in items)
    except TypeError:
        raise TypeError(f"axis must be None, an int or a list of ints; received axis={axis!r}.") from None


def _float(x: torch.Tensor) -> torch.Tensor:
    return x if x.is_floating_point() else x.to(torch_dtype(floatx()))


# ----------------------------------------------------------------- reductions
def sum(x, axis=None, keepdims=False):
    """Sum of ``x`` over ``axis`` (int, tuple, or ``None`` for all axes), as ``K.sum``."""
    x = _t(x)
    return torch.sum(x, dim=_axes(x, axis), keepdim=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean of ``x`` over ``axis``; bool and int inputs are averaged as ``floatx``, as ``K.mean``."""
    x = _float(_t(x))
    return torch.mean(x, dim=_axes(x, axis), keepdim=keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum of ``x`` over ``axis``, as ``K.max``."""
    x = _t(x)
    return torch.amax(x, dim=_axes(x, axis), keepdim=keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum of ``x`` over ``axis``, as ``K.min``."""
    x = _t(x)
    return torch.amin(x, dim=_axes(x, axis), keepdim=keepdims)


def prod(x, axis=None, keepdims=False):
    """Product of ``x`` over ``axis``, as ``K.prod``."""
    x = _t(x)
    for a in sorted((a % builtins.max(x.ndim, 1) for a in _axes(x, axis)), reverse=True):
        x = torch.prod(x, dim=a, keepdim=keepdims)
    return x


def var(x, axis=None, keepdims=False):
    """Population variance (no Bessel correction) over ``axis``, as ``K.var``."""
    x = _float(_t(x))
    return torch.var(x, dim=_axes(x, axis), correction=0, keepdim=keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis``, as ``K.std``."""
    x = _float(_t(x))
    return torch.std(x, dim=_axes(x, axis), correction=0, keepdim=keepdims)


def any(x, axis=None, keepdims=False):
    """Logical OR over ``axis`` (a bool tensor), as ``K.any``."""
    x = _t(x).bool()
    return torch.any(x, dim=_axes(x, axis), keepdim=keepdims)


def all(x, axis=None, keepdims=False):
    """Logical AND over ``axis`` (a bool tensor), as ``K.all``."""
    x = _t(x).bool()
    return torch.all(x, dim=_axes(x, axis), keepdim=keepdims)


def argmax(x, axis=-1):
    """Index of the largest value along ``axis``, as ``K.argmax`` (bool input counts as 0/1)."""
    return torch.argmax(bool_as_uint8(_t(x)), dim=axis)


def argmin(x, axis=-1):
    """Index of the smallest value along ``axis``, as ``K.argmin`` (bool input counts as 0/1)."""
    return torch.argmin(bool_as_uint8(_t(x)), dim=axis)


def cumsum(x, axis=0):
    """Cumulative sum along ``axis``, as ``K.cumsum``."""
    return torch.cumsum(_t(x), dim=axis)


# ----------------------------------------------------------------- element-wise
def square(x):
    """Element-wise square, as ``K.square``."""
    return torch.square(_t(x))


def sqrt(x):
    """Element-wise square root, negatives clipped to 0 first (Keras 2's ``K.sqrt``)."""
    return torch.sqrt(torch.clamp(_float(_t(x)), min=0))


def abs(x):
    """Element-wise absolute value, as ``K.abs``."""
    return torch.abs(_t(x))


def exp(x):
    """Element-wise exponential, as ``K.exp``."""
    return torch.exp(_float(_t(x)))


def log(x):
    """Element-wise natural logarithm, as ``K.log``."""
    return torch.log(_float(_t(x)))


def pow(x, a):
    """Element-wise ``x ** a``, as ``K.pow``."""
    return torch.pow(_t(x), a)


def sign(x):
    """Element-wise sign, as ``K.sign``."""
    return torch.sign(_t(x))


def round(x):
    """Element-wise rounding, half to even (``tf.round``), as ``K.round``."""
    return torch.round(_t(x))


def maximum(x, y):
    """Element-wise maximum with broadcasting, as ``K.maximum``."""
    x = _t(x)
    return torch.maximum(x, _t(y).to(dtype=x.dtype, device=x.device))


def minimum(x, y):
    """Element-wise minimum with broadcasting, as ``K.minimum``."""
    x = _t(x)
    return torch.minimum(x, _t(y).to(dtype=x.dtype, device=x.device))


def clip(x, min_value, max_value):
    """Clip ``x`` to ``[min_value, max_value]``; ``None`` is unbounded, as ``K.clip``.

    As in Keras 2, a ``max_value`` below ``min_value`` is raised to ``min_value``.
    """
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)):
        max_value = builtins.max(max_value, min_value)
    return torch.clamp(_t(x), min=min_value, max=max_value)


def equal(x, y):
    """Element-wise ``x == y`` (bool), as ``K.equal``."""
    return torch.eq(_t(x), _t(y))


def not_equal(x, y):
    """Element-wise ``x != y`` (bool), as ``K.not_equal``."""
    return torch.ne(_t(x), _t(y))


def greater(x, y):
    """Element-wise ``x > y`` (bool), as ``K.greater``."""
    return torch.gt(_t(x), _t(y))


def greater_equal(x, y):
    """Element-wise ``x >= y`` (bool), as ``K.greater_equal``."""
    return torch.ge(_t(x), _t(y))


def less(x, y):
    """Element-wise ``x < y`` (bool), as ``K.less``."""
    return torch.lt(_t(x), _t(y))


def less_equal(x, y):
    """Element-wise ``x <= y`` (bool), as ``K.less_equal``."""
    return torch.le(_t(x), _t(y))


def l2_normalize(x, axis=None):
    """``x / sqrt(max(sum(x**2, axis), 1e-12))``, as ``K.l2_normalize`` (``tf.nn.l2_normalize``)."""
    x = _float(_t(x))
    squares = torch.sum(torch.square(x), dim=_axes(x, axis), keepdim=True)
    return x * torch.rsqrt(torch.clamp(squares, min=1e-12))


# ----------------------------------------------------------------- linear algebra
def dot(x, y):
    """Keras 2's ``K.dot``: contracts the last axis of ``x`` with the second-to-last of ``y``.

    For ranks above 2 the result has shape ``x.shape[:-1] + y.shape[:-2] + y.shape[-1:]``
    (Theano's ``dot``), not ``matmul``'s batched product.
    """
    x, y = _t(x), _t(y)
    if x.ndim > 2 or y.ndim > 2:
        return torch.tensordot(x, y, dims=([x.ndim - 1], [y.ndim - 2 if y.ndim > 1 else 0]))
    return torch.matmul(x, y)


def batch_dot(x, y, axes=None):
    """Batch-wise dot product of ``x`` and ``y`` contracting ``axes``, as Keras 2's ``K.batch_dot``.

    ``axes`` defaults to ``(x.ndim - 1, y.ndim - 2)`` (``(1, 1)`` for two
    matrices); two rank-2 inputs give shape ``(batch, 1)``.  The result holds
    ``x``'s remaining axes, then ``y``'s.
    """
    x, y = _t(x), _t(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"batch_dot expects inputs of rank >= 2, got shapes {tuple(x.shape)} "
                         f"and {tuple(y.shape)}.")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"batch_dot expects inputs with the same batch size, got shapes "
                         f"{tuple(x.shape)} and {tuple(y.shape)}.")
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    a0, a1 = (a % n for a, n in zip(axes, (x.ndim, y.ndim)))
    if 0 in (a0, a1):
        raise ValueError(f"batch_dot cannot contract the batch axis 0, got axes={axes}; add a "
                         "batch dimension with K.expand_dims(x, 0).")
    if x.shape[a0] != y.shape[a1]:
        raise ValueError(f"batch_dot: x.shape[{a0}] != y.shape[{a1}] ({x.shape[a0]} != "
                         f"{y.shape[a1]}) for shapes {tuple(x.shape)} and {tuple(y.shape)}.")
    result = torch.einsum(_batch_dot_equation(x.ndim, y.ndim, a0, a1), x, y)
    if x.ndim == 2 and y.ndim == 2:
        result = result.unsqueeze(1)
    return result


def _batch_dot_equation(x_ndim, y_ndim, a0, a1) -> str:
    letters = iter("cdefghijklmnopqrstuvwxyz")
    x_sub = ["b"] + [next(letters) for _ in range(x_ndim - 1)]
    y_sub = ["b"] + [next(letters) for _ in range(y_ndim - 1)]
    y_sub[a1] = x_sub[a0]
    out = [s for i, s in enumerate(x_sub) if i != a0] + [s for i, s in enumerate(y_sub[1:], 1)
                                                          if i != a1]
    return f"{''.join(x_sub)},{''.join(y_sub)}->{''.join(out)}"


def transpose(x):
    """Reverse the axes of ``x``, as ``K.transpose``."""
    x = _t(x)
    return x.permute(*reversed(range(x.ndim)))


# ----------------------------------------------------------------- shapes
def shape(x):
    """The shape of ``x`` as a ``torch.Size`` (Keras 2 returned a symbolic int tensor).

    Indexing gives ints, so ``K.reshape(x, (K.shape(x)[0], -1))`` works unchanged.
    Of a Keras tensor it is a :class:`SymbolicShape`, whose unknown sizes backend
    functions read at run time (``K.cast(K.shape(x), 'float32')``).
    """
    from keraton.backend_functions.symbolic import SymbolicShape
    from keraton.layers.keras_tensor import KerasTensor

    if isinstance(x, KerasTensor):
        return SymbolicShape(x)
    return x.shape if hasattr(x, "shape") and not isinstance(x, np.ndarray) else _t(x).shape


def ndim(x) -> int:
    """The number of axes of ``x``, as ``K.ndim``."""
    return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


def dtype(x) -> str:
    """Keras's dtype name of ``x`` (``'float32'``), as ``K.dtype``."""
    return str(_t(x).dtype).replace("torch.", "")


def count_params(x) -> int:
    """The number of scalars in ``x``, as ``K.count_params``."""
    return int(np.prod(tuple(x.shape)))


def reshape(x, shape):
    """Reshape ``x`` to ``shape`` (one entry may be ``-1``), as ``K.reshape``."""
    return torch.reshape(_t(x), tuple(int(s) for s in shape))


def permute_dimensions(x, pattern):
    """Permute the axes of ``x`` to ``pattern`` (a tuple of axis indices), as ``K.permute_dimensions``."""
    return _t(x).permute(*pattern)


def expand_dims(x, axis=-1):
    """Insert a size-1 axis at ``axis``, as ``K.expand_dims``."""
    return torch.unsqueeze(_t(x), axis)


def squeeze(x, axis):
    """Remove the size-1 axis ``axis``, as ``K.squeeze``."""
    x = _t(x)
    if x.shape[axis] != 1:
        raise ValueError(f"squeeze expects axis {axis} of size 1, got shape {tuple(x.shape)}.")
    return torch.squeeze(x, axis)


def flatten(x):
    """Flatten ``x`` to one axis, as ``K.flatten``."""
    return torch.reshape(_t(x), (-1,))


def batch_flatten(x):
    """Flatten every axis but the first: shape ``(batch, -1)``, as ``K.batch_flatten``."""
    x = _t(x)
    return torch.reshape(x, (x.shape[0], -1))


def concatenate(tensors, axis=-1):
    """Join ``tensors`` along ``axis``, as ``K.concatenate``."""
    return torch.cat([_t(t) for t in tensors], dim=axis)


def stack(x, axis=0):
    """Stack a list of same-shape tensors along a new ``axis``, as ``K.stack``."""
    return torch.stack([_t(t) for t in x], dim=axis)


def tile(x, n):
    """Repeat ``x`` ``n[i]`` times along axis ``i``, as ``K.tile``."""
    return _t(x).repeat(*((n,) if isinstance(n, int) else tuple(n)))


def repeat(x, n):
    """Repeat a 2-D ``(batch, dim)`` tensor ``n`` times: ``(batch, n, dim)``, as ``K.repeat``."""
    x = _t(x)
    if x.ndim != 2:
        raise ValueError(f"repeat expects a 2-D tensor (batch, dim), got shape {tuple(x.shape)}.")
    return x.unsqueeze(1).expand(-1, n, -1)


def repeat_elements(x, rep, axis):
    """Repeat each element ``rep`` times along ``axis`` (``np.repeat``), as ``K.repeat_elements``."""
    return torch.repeat_interleave(_t(x), rep, dim=axis)


def gather(reference, indices):
    """Rows of ``reference`` at ``indices`` (along axis 0), as ``K.gather``."""
    return _t(reference)[_t(indices).long()]


def one_hot(indices, num_classes):
    """One-hot encode integer ``indices`` as ``floatx`` on a new last axis, as ``K.one_hot``."""
    return F.one_hot(_t(indices).long(), num_classes).to(torch_dtype(floatx()))


# ----------------------------------------------------------------- creation and casting
def cast(x, dtype):
    """``x`` converted to ``dtype`` (a Keras dtype name or torch dtype), as ``K.cast``."""
    return _t(x).to(torch_dtype(dtype))


def cast_to_floatx(x):
    """``x`` as ``floatx``: a NumPy array for NumPy input, a tensor for tensors, as ``K.cast_to_floatx``."""
    if isinstance(x, torch.Tensor):
        return x.to(torch_dtype(floatx()))
    return np.asarray(x, dtype=floatx())


def is_tensor(x) -> bool:
    """True for torch tensors (and symbolic Keras tensors), as ``K.is_tensor``."""
    from keraton.layers.keras_tensor import KerasTensor

    return isinstance(x, (torch.Tensor, KerasTensor))


def variable(value, dtype=None, name=None, constraint=None):
    """A trainable :class:`keraton.Variable` holding ``value``, as Keras 2's ``K.variable``.

    Integer and bool values give a variable without gradients (torch cannot
    differentiate them).
    """
    from keraton.variables import Variable

    # np.array copies: a view with negative strides (``x[..., ::-1]``, as in
    # ``vgg16.preprocess_input``) becomes a layout torch accepts.
    tensor = torch.as_tensor(np.array(value), dtype=torch_dtype(dtype))
    result = Variable._wrap(tensor, trainable=True, name=name or "variable")
    if constraint is not None:
        result.constraint = constraint
    return update_scope.created(result)  # a get_updates() step gets its first run's variable


def constant(value, dtype=None, shape=None, name=None):
    """A tensor holding ``value``, broadcast to ``shape`` when given, as ``K.constant``."""
    tensor = torch.as_tensor(np.array(value), dtype=torch_dtype(dtype))
    return tensor.expand(tuple(shape)).clone() if shape is not None else tensor


def _shape_tuple(shape) -> tuple:
    """A shape given as an int (``K.zeros(1)``) or a sequence, as a tuple."""
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape)


def zeros(shape, dtype=None, name=None):
    """A tensor of zeros, as ``K.zeros`` (a variable: ``K.update`` may assign it)."""
    return update_scope.created(torch.zeros(_shape_tuple(shape), dtype=torch_dtype(dtype)))


def ones(shape, dtype=None, name=None):
    """A tensor of ones, as ``K.ones`` (a variable: ``K.update`` may assign it)."""
    return update_scope.created(torch.ones(_shape_tuple(shape), dtype=torch_dtype(dtype)))


def eye(size, dtype=None, name=None):
    """An identity matrix (``size`` an int or ``(rows, cols)``), as ``K.eye``."""
    rows, cols = (size, size) if isinstance(size, int) else size
    return update_scope.created(torch.eye(rows, cols, dtype=torch_dtype(dtype)))


def zeros_like(x, dtype=None, name=None):
    """Zeros with the shape of ``x`` (and its dtype unless ``dtype``), as ``K.zeros_like``."""
    x = _t(x)
    return torch.zeros_like(x, dtype=torch_dtype(dtype) if dtype else x.dtype)


def ones_like(x, dtype=None, name=None):
    """Ones with the shape of ``x`` (and its dtype unless ``dtype``), as ``K.ones_like``."""
    x = _t(x)
    return torch.ones_like(x, dtype=torch_dtype(dtype) if dtype else x.dtype)


def arange(start, stop=None, step=1, dtype="int32"):
    """``[start, stop)`` with ``step`` (``arange(n)`` is ``0..n-1``), as ``K.arange``."""
    if stop is None:
        start, stop = 0, start
    return torch.arange(start, stop, step, dtype=torch_dtype(dtype))


def stop_gradient(variables):
    """``variables`` detached from the autograd graph (a tensor or a list), as ``K.stop_gradient``."""
    if isinstance(variables, (list, tuple)):
        return [_t(v).detach() for v in variables]
    return _t(variables).detach()


def _generator(seed):
    if seed is None:
        return None
    return torch.Generator().manual_seed(int(seed))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from ``N(mean, stddev**2)`` of ``shape``; ``seed`` makes them reproducible (``K.random_normal``)."""
    out = torch.empty(tuple(shape), dtype=torch_dtype(dtype))
    return out.normal_(mean, stddev, generator=_generator(seed))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from ``U[minval, maxval)`` of ``shape``, as ``K.random_uniform``."""
    out = torch.empty(tuple(shape), dtype=torch_dtype(dtype))
    return out.uniform_(minval, maxval, generator=_generator(seed))


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """0/1 samples that are 1 with probability ``p``, as ``K.random_bernoulli`` (``random_binomial``)."""
    u = torch.rand(tuple(shape), generator=_generator(seed))
    return (u < p).to(torch_dtype(dtype))


random_binomial = random_bernoulli
