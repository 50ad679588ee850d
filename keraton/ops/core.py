"""Keras 3's top-level ops outside ``numpy``, ``nn``, ``linalg``, ``math`` and ``image``.

Conversions and dtypes (``cast``, ``shape``, ``convert_to_numpy`` ...), control flow
(``cond``, ``while_loop``, ``scan`` ...), indexing (``slice``, ``scatter`` ...) and
``rearrange``, each with Keras's signature and the values and dtypes Keras 3 gives on
its torch backend.  Control-flow ops accept nested structures (tuples, lists, dicts) of
tensors; they run eagerly as Python loops, as Keras's torch backend does.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import math
import re

import numpy as np
import torch
from torch.utils import _pytree as pytree

from keraton import backend
from keraton.layers.keras_tensor import KerasTensor
from keraton.layers.weight_layout import keras_value
from keraton.ops._utils import convert_to_tensor as _to_tensor
from keraton.ops._utils import keras_op, standardize_dtype

__all__ = [
    "associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor",
    "custom_gradient", "dtype", "fori_loop", "is_tensor", "map", "rearrange", "saturate_cast",
    "scan", "scatter", "scatter_update", "shape", "slice", "slice_update", "stop_gradient",
    "switch", "unstack", "vectorized_map", "while_loop",
]


def _floatx() -> torch.dtype:
    return backend.torch_dtype(None)


def _to_float(x: torch.Tensor) -> torch.Tensor:
    """Ints and bools become ``floatx()``; float tensors keep their dtype."""
    return x if x.is_floating_point() or x.is_complex() else x.to(_floatx())


# --------------------------------------------------------------------------------------
# Conversions and dtypes
# --------------------------------------------------------------------------------------


@keras_op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as a torch tensor, with Keras 3's default dtypes (``keras.ops.convert_to_tensor``).

    Python floats become ``floatx()``, ints int32, bools bool; NumPy arrays keep their
    dtype; ``dtype`` casts.  Only dense tensors exist here: ``sparse``/``ragged=True`` raise.
    """
    return _to_tensor(x, dtype=dtype, sparse=sparse, ragged=ragged)


def convert_to_numpy(x):
    """A NumPy array of ``x`` (detached, on CPU, a copy); a list or tuple of tensors is stacked.

    bfloat16 tensors give ``ml_dtypes.bfloat16`` arrays, as in Keras.  A variable comes out
    as ``variable.numpy()`` gives it (Keras's layout).
    """
    if isinstance(x, KerasTensor):
        raise ValueError(
            "convert_to_numpy: a symbolic KerasTensor has no value. Build a Model from it and "
            "call model.predict(...) to get NumPy values.")
    if isinstance(x, (list, tuple)):
        return np.array([convert_to_numpy(v) for v in x])
    if not isinstance(x, torch.Tensor):
        return np.array(x)
    x = keras_value(x).cpu()
    if x.dtype == torch.bfloat16:
        import ml_dtypes

        return x.to(torch.float32).numpy().astype(ml_dtypes.bfloat16)
    # A copy, as Keras's ``np.array(x)``: ``Tensor.numpy()`` shares memory, so an array
    # taken from a variable (or a layer output aliasing one) would change with it.
    return x.numpy().copy()


def is_tensor(x):
    """Whether ``x`` is a torch tensor (NumPy arrays and symbolic tensors are not)."""
    return isinstance(x, torch.Tensor)


def shape(x):
    """The shape of ``x`` as a tuple of Python ints (``None`` for unknown symbolic dims)."""
    if isinstance(x, (torch.Tensor, KerasTensor, np.ndarray, np.generic)):
        return tuple(x.shape)
    return tuple(_to_tensor(x).shape)


def dtype(x):
    """The dtype name of a tensor, array or symbolic tensor, e.g. ``'float32'``."""
    if not hasattr(x, "dtype"):
        raise TypeError(
            f"dtype: expected a tensor or array with a `dtype`, got {type(x).__name__}. "
            "Convert it first with keras.ops.convert_to_tensor.")
    return backend.dtype_name(backend.torch_dtype(x.dtype))


@keras_op
def cast(x, dtype):
    """``x`` as a tensor of ``dtype`` (floats to ints truncate toward zero, as in torch);
    ``dtype=None`` means ``floatx()``, as in Keras."""
    torch_dtype = standardize_dtype(dtype) or _floatx()
    if isinstance(x, torch.Tensor):
        return x if x.dtype == torch_dtype else x.to(torch_dtype)
    return _to_tensor(x, dtype=torch_dtype)


def _dtype_range(dt: torch.dtype):
    if dt == torch.bool:
        return 0, 1
    info = torch.finfo(dt) if dt.is_floating_point else torch.iinfo(dt)
    return info.min, info.max


@keras_op
def saturate_cast(x, dtype):
    """Cast ``x`` to ``dtype`` after clipping it to the range of both dtypes (no wrap-around).

    Infinities are clipped to the largest finite value too, as in Keras.
    """
    x = _to_tensor(x)
    out_dtype = standardize_dtype(dtype) or _floatx()
    if x.dtype == torch.bool:
        return x.to(out_dtype)
    in_min, in_max = _dtype_range(x.dtype)
    out_min, out_max = _dtype_range(out_dtype)
    low = torch.tensor(builtins.max(in_min, out_min), dtype=x.dtype)
    high = torch.tensor(builtins.min(in_max, out_max), dtype=x.dtype)
    # The limits may round outward when stored in x's dtype (2**31 - 1 in float32 is 2**31):
    # step them back inside the output range.
    if x.dtype.is_floating_point:
        if float(low) < out_min:
            low = torch.nextafter(low, torch.zeros_like(low))
        if float(high) > out_max:
            high = torch.nextafter(high, torch.zeros_like(high))
    return torch.clamp(x, low, high).to(out_dtype)


@keras_op
def stop_gradient(variable):
    """``variable`` cut out of the autograd graph (values unchanged, no gradient flows back)."""
    return _to_tensor(variable).detach()


# --------------------------------------------------------------------------------------
# Control flow
# --------------------------------------------------------------------------------------


def _tensor_leaves(tree):
    """``tree`` with every leaf made a tensor (``None`` stays ``None``)."""
    return pytree.tree_map(lambda v: v if v is None else _to_tensor(v), tree)


@keras_op
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` is true, else ``false_fn()`` (evaluated eagerly)."""
    return true_fn() if bool(pred) else false_fn()


@keras_op
def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped into ``[0, len(branches) - 1]``."""
    if not branches:
        raise ValueError("switch: `branches` must hold at least one callable, got none.")
    index = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[index](*operands)


@keras_op
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds.

    A tuple or list of loop variables (nested structures allowed) comes back as a tuple;
    a single variable comes back alone.  ``maximum_iterations`` caps the number of steps.
    """
    is_sequence = isinstance(loop_vars, (tuple, list))
    loop_vars = tuple(_tensor_leaves(tuple(loop_vars) if is_sequence else (loop_vars,)))
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(cond(*loop_vars)):
        loop_vars = body(*loop_vars)
        loop_vars = tuple(loop_vars) if isinstance(loop_vars, (tuple, list)) else (loop_vars,)
        steps += 1
    return loop_vars if is_sequence else loop_vars[0]


@keras_op
def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``, starting from ``init_val``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _stack_leaves(items):
    """Stack a list of equally structured outputs leaf by leaf along a new axis 0."""
    flats, spec = zip(*(pytree.tree_flatten(item) for item in items))
    stacked = [torch.stack([_to_tensor(v) for v in leaves]) for leaves in zip(*flats)]
    return pytree.tree_unflatten(stacked, spec[0])


@keras_op
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs`` (as ``jax.lax.scan``).

    Returns ``(final_carry, stacked_ys)``; ``init``, ``xs`` and ``y`` may be nested
    structures.  Without ``xs``, ``f`` gets ``None`` for ``length`` steps.  ``reverse``
    scans from the end (the stacked ``ys`` stay in input order); ``unroll`` is accepted
    for compatibility (the loop runs eagerly either way).  If ``f`` returns ``None`` for
    ``y``, ``stacked_ys`` is ``None``.
    """
    if not callable(f):
        raise TypeError(f"scan: `f` must be a callable, got {f!r}.")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan: `unroll` must be a positive int or a bool, got {unroll!r}.")
    if xs is None and length is None:
        raise ValueError("scan: pass `xs` to scan over, or `length` when there is no `xs`.")
    if xs is not None:
        xs_leaves, xs_spec = pytree.tree_flatten(xs)
        xs_leaves = [_to_tensor(v) for v in xs_leaves]
        n = int(length) if length is not None else xs_leaves[0].shape[0]
    else:
        n = int(length)
    carry = _tensor_leaves(init)
    ys = []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = None if xs is None else pytree.tree_unflatten([v[i] for v in xs_leaves], xs_spec)
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or all(y is None for y in ys):
        return carry, None
    return carry, _stack_leaves(ys)


@keras_op
def map(f, xs):
    """``f`` applied to each slice along the leading axis of ``xs``, results stacked."""
    return scan(lambda carry, x: (carry, f(x)), (), xs)[1]


@keras_op
def vectorized_map(function, elements):
    """``function`` mapped over the leading axis of ``elements`` with ``torch.vmap``."""
    return torch.vmap(function)(_tensor_leaves(elements))


def _take(x, start, stop, step, axis):
    index = [builtins.slice(None)] * x.ndim
    index[axis] = builtins.slice(start, stop, step)
    return x[tuple(index)]


@keras_op
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive prefix scan of ``elems`` along ``axis`` with associative ``f`` (``jax.lax``'s).

    ``f(a, b)`` combines two equally structured blocks of slices; it is applied in
    ``O(log n)`` parallel steps (odd/even recursion).  ``elems`` may be a nested structure.
    """
    if not callable(f):
        raise TypeError(f"associative_scan: `f` must be a callable, got {f!r}.")
    leaves, spec = pytree.tree_flatten(elems)
    leaves = [_to_tensor(v) for v in leaves]
    axis = axis % leaves[0].ndim
    sizes = {v.shape[axis] for v in leaves}
    if len(sizes) != 1:
        raise ValueError(
            "associative_scan: every input must have the same length along `axis`; got shapes "
            f"{[tuple(v.shape) for v in leaves]}.")
    if reverse:
        leaves = [torch.flip(v, (axis,)) for v in leaves]

    def combine(a, b):
        out = f(pytree.tree_unflatten(a, spec), pytree.tree_unflatten(b, spec))
        return [_to_tensor(v) for v in pytree.tree_flatten(out)[0]]

    def interleave(even, odd):
        # even[k] goes to position 2k, odd[k] to 2k + 1.
        n_even, n_odd = even.shape[axis], odd.shape[axis]
        order = [k // 2 if k % 2 == 0 else n_even + k // 2 for k in range(n_even + n_odd)]
        joined = torch.cat([even, odd], dim=axis)
        return joined.index_select(axis, torch.tensor(order, device=joined.device))

    def prefix(vals):
        n = vals[0].shape[axis]
        if n < 2:
            return vals
        # Scan the pairwise combinations: they are the prefixes at the odd positions.
        odd = prefix(combine([_take(v, 0, n - 1, 2, axis) for v in vals],
                             [_take(v, 1, None, 2, axis) for v in vals]))
        prev = odd if n % 2 else [_take(v, 0, -1, None, axis) for v in odd]
        even = combine(prev, [_take(v, 2, None, 2, axis) for v in vals])
        even = [torch.cat([_take(v, 0, 1, None, axis), e], dim=axis) for v, e in zip(vals, even)]
        return [interleave(e, o) for e, o in zip(even, odd)]

    result = prefix(leaves)
    if reverse:
        result = [torch.flip(v, (axis,)) for v in result]
    return pytree.tree_unflatten(result, spec)


class _CustomGradientFunction(torch.autograd.Function):
    """Runs ``forward_fn`` and, on backward, the ``grad_fn`` it returned."""

    @staticmethod
    def forward(ctx, forward_fn, *args):
        result = forward_fn(*args)
        if not (isinstance(result, tuple) and len(result) == 2 and callable(result[1])):
            raise TypeError("custom_gradient: the decorated function must return "
                            "(output, grad_fn), with grad_fn a callable.")
        output, ctx.grad_fn = result
        ctx.inputs = args
        ctx.is_tensor = [isinstance(a, torch.Tensor) for a in args]
        ctx.multiple = isinstance(output, (tuple, list))
        return tuple(output) if ctx.multiple else output

    @staticmethod
    def backward(ctx, *upstream):
        upstream = upstream if ctx.multiple else upstream[0]
        grads = _call_grad_fn(ctx.grad_fn, ctx.inputs, upstream)
        grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
        n_tensors = sum(ctx.is_tensor)
        if len(grads) == n_tensors and n_tensors != len(ctx.inputs):
            # Gradients given for the tensor inputs only: put None at the other positions.
            it = iter(grads)
            grads = [next(it) if is_t else None for is_t in ctx.is_tensor]
        if len(grads) != len(ctx.inputs):
            raise ValueError(
                f"custom_gradient: grad_fn returned {len(grads)} gradient(s) for "
                f"{len(ctx.inputs)} input(s). Return one gradient per positional input.")
        return (None, *grads)


def _call_grad_fn(grad_fn, inputs, upstream):
    """Call ``grad_fn`` as ``grad_fn(*inputs, upstream=...)`` (Keras's torch convention), or as
    ``grad_fn(upstream)`` when it takes exactly one positional argument per output and no
    ``*args`` (the TensorFlow/JAX convention)."""
    params = inspect.signature(grad_fn).parameters.values()
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
    upstreams = upstream if isinstance(upstream, tuple) else (upstream,)
    if not varargs and len(positional) == len(upstreams):
        return grad_fn(*upstreams)
    return grad_fn(*inputs, upstream=upstream)


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; the result computes ``output``
    and back-propagates ``grad_fn``'s gradients instead of autograd's.

    As on Keras's torch backend, ``grad_fn`` is called as ``grad_fn(*args, upstream=g)``
    (write it as ``def grad(*args, upstream=None)``); a ``grad_fn(upstream)`` without an
    ``upstream`` keyword, as written for TensorFlow/JAX, also works.  It returns one
    gradient per positional argument of ``f``.
    """
    def wrapper(*args, **kwargs):
        forward = (lambda *a: f(*a, **kwargs)) if kwargs else f
        args = [_to_tensor(a) if isinstance(a, (float, int, np.ndarray)) else a for a in args]
        return _CustomGradientFunction.apply(forward, *args)

    functools.update_wrapper(wrapper, f)
    return keras_op(wrapper)


# --------------------------------------------------------------------------------------
# Indexing and structure
# --------------------------------------------------------------------------------------


def _int_list(values, name):
    if isinstance(values, torch.Tensor):
        values = values.tolist()
    elif isinstance(values, np.ndarray):
        values = values.tolist()
    try:
        return [int(v) for v in values]
    except TypeError:
        raise TypeError(f"`{name}` must be a sequence of ints, got {values!r}.") from None


@keras_op
def slice(inputs, start_indices, shape):
    """The block of ``inputs`` starting at ``start_indices`` with size ``shape`` (one entry
    per axis; a size of -1 takes the rest of that axis)."""
    inputs = _to_tensor(inputs)
    starts, sizes = _int_list(start_indices, "start_indices"), _int_list(shape, "shape")
    if not len(starts) == len(sizes) == inputs.ndim:
        raise ValueError(
            f"slice: `start_indices` ({starts}) and `shape` ({sizes}) need one entry per axis "
            f"of `inputs` (shape {tuple(inputs.shape)}).")
    index = tuple(builtins.slice(s, None if n == -1 else s + n) for s, n in zip(starts, sizes))
    return inputs[index]


@keras_op
def slice_update(inputs, start_indices, updates):
    """A copy of ``inputs`` with the block at ``start_indices`` replaced by ``updates``
    (cast to ``inputs``'s dtype)."""
    inputs, updates = _to_tensor(inputs), _to_tensor(updates)
    starts = _int_list(start_indices, "start_indices")
    if not len(starts) == updates.ndim == inputs.ndim:
        raise ValueError(
            f"slice_update: `start_indices` ({starts}) and `updates` (shape "
            f"{tuple(updates.shape)}) need one entry/axis per axis of `inputs` "
            f"(shape {tuple(inputs.shape)}).")
    index = tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape))
    out = inputs.clone()
    out[index] = updates.to(inputs.dtype)
    return out


@keras_op
def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (duplicates add up).

    ``indices`` has shape ``(..., k)``; ``values`` has shape ``(...,) + shape[k:]`` and
    gives the output dtype.
    """
    indices, values = _to_tensor(indices).to(torch.int64), _to_tensor(values)
    shape = tuple(_int_list(shape, "shape"))
    k = indices.shape[-1]
    indices = indices.reshape(-1, k)
    values = values.reshape(-1, *shape[k:])
    zeros = torch.zeros(shape, dtype=values.dtype, device=values.device)
    return torch.index_put(zeros, tuple(indices.T), values, accumulate=True)


_SCATTER_REDUCTIONS = {"max": "amax", "min": "amin", "mul": "prod"}


@keras_op
def scatter_update(inputs, indices, updates, reduction=None):
    """A copy of ``inputs`` with ``updates`` written at ``indices`` (shape ``(N, k)``).

    ``reduction`` None replaces; ``"add"``, ``"max"``, ``"min"``, ``"mul"`` combine with the
    current values (duplicate indices accumulate).  ``updates`` is cast to ``inputs``'s dtype.
    """
    if reduction is not None:
        reduction = reduction.lower()
        if reduction not in ("add", "max", "min", "mul"):
            raise ValueError(f"scatter_update: `reduction` must be None, 'add', 'max', 'min' or "
                             f"'mul', got {reduction!r}.")
    inputs = _to_tensor(inputs)
    indices = _to_tensor(indices).to(torch.int64)
    updates = _to_tensor(updates).to(inputs.dtype)
    if reduction is None or reduction == "add":
        return torch.index_put(inputs, tuple(indices.T), updates, accumulate=reduction == "add")
    # Flatten the k indexed axes into one and reduce along it.
    k = indices.shape[-1]
    lead, rest = inputs.shape[:k], inputs.shape[k:]
    strides = torch.tensor([math.prod(lead[i + 1:]) for i in range(k)], dtype=torch.int64)
    updates = updates.reshape(-1, *rest)
    flat_index = (indices * strides).sum(-1).reshape(-1, *[1] * len(rest)).expand_as(updates)
    flat = inputs.reshape(-1, *rest).scatter_reduce(
        0, flat_index, updates, _SCATTER_REDUCTIONS[reduction], include_self=True)
    return flat.reshape(inputs.shape)


@keras_op
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list of tensors."""
    x = _to_tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"unstack: `num` ({num}) does not match the size of axis {axis} "
                         f"({x.shape[axis]}) of `x`.")
    return list(x.unbind(axis))


_AXIS_TOKEN = re.compile(r"\(([^()]*)\)|([A-Za-z_]\w*)|(\S+)")


def _parse_axes(side: str, pattern: str):
    """``'b (h w) c'`` -> ``[['b'], ['h', 'w'], ['c']]``."""
    groups = []
    for grouped, name, bad in _AXIS_TOKEN.findall(side):
        if bad:
            raise ValueError(f"rearrange: unsupported token {bad!r} in pattern {pattern!r}; "
                             "only axis names and parenthesised groups of names are supported.")
        names = grouped.split() if grouped or not name else [name]
        for n in names:
            if not re.fullmatch(r"[A-Za-z_]\w*", n):
                raise ValueError(f"rearrange: invalid axis name {n!r} in pattern {pattern!r}.")
        groups.append(names)
    return groups


@keras_op
def rearrange(tensor, pattern, **axes_lengths):
    """Reorder, merge and split axes with an einops pattern such as ``'b (h h1) w -> b h (w h1)'``.

    Parenthesised groups on the left split an axis (at most one length per group may be
    unknown; give the others as keyword arguments), groups on the right merge axes.
    """
    tensor = _to_tensor(tensor)
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern needs exactly one '->', got {pattern!r}.")
    left, right = (_parse_axes(side, pattern) for side in pattern.split("->"))
    if len(left) != tensor.ndim:
        raise ValueError(f"rearrange: the left side of {pattern!r} names {len(left)} axes but the "
                         f"tensor has shape {tuple(tensor.shape)}.")
    in_names = [n for group in left for n in group]
    out_names = [n for group in right for n in group]
    if len(set(in_names)) != len(in_names) or sorted(in_names) != sorted(out_names):
        raise ValueError(f"rearrange: both sides of {pattern!r} must name the same axes, each "
                         "once.")
    sizes = {}
    for group, dim in zip(left, tensor.shape):
        unknown = [n for n in group if n not in axes_lengths]
        known = math.prod(int(axes_lengths[n]) for n in group if n in axes_lengths)
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the lengths of {unknown} in {pattern!r}; "
                             "pass all but one of them as keyword arguments.")
        if (dim % known != 0) if unknown else (dim != known):
            raise ValueError(f"rearrange: axis of size {dim} cannot be split as {group} with "
                             f"lengths {axes_lengths}.")
        for n in group:
            sizes[n] = int(axes_lengths[n]) if n in axes_lengths else dim // known
    tensor = tensor.reshape([sizes[n] for n in in_names])
    tensor = tensor.permute([in_names.index(n) for n in out_names])
    return tensor.reshape([math.prod(sizes[n] for n in group) for group in right])
