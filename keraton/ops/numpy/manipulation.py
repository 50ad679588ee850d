"""Shape changes, joining and splitting, padding, flipping, diagonals and ``vectorize``.

Each op follows ``keras.ops`` (NumPy's semantics and Keras's argument names)
on torch.  Joins of mixed dtypes take torch's promotion, as Keras does on its
torch backend.  Indexing, sorting and searching are in ``indexing``.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import torch

from keraton.ops._utils import convert_to_tensor, keras_op, standardize_dtype

__all__ = [
    "append", "array_split", "broadcast_to", "concatenate", "copy", "diag", "diagflat", "diagonal",
    "diff", "dsplit", "dstack", "expand_dims", "flip", "fliplr", "flipud", "hsplit", "hstack",
    "meshgrid", "moveaxis", "ndim", "pad", "ravel", "repeat", "reshape", "roll", "rot90", "size",
    "split", "squeeze", "stack", "swapaxes", "tile", "trace", "transpose", "tril", "triu",
    "vectorize", "view", "vsplit", "vstack",
]


def _canonical_axis(axis: int, ndim: int, name: str = "axis") -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of bounds for a tensor of rank {ndim}.")
    return axis % ndim


def _int_list(value):
    """Python ints from an int, a sequence of ints, or an integer tensor/array."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_int_list(v) for v in value]
    return int(value)


def _tensors(xs):
    return [convert_to_tensor(x) for x in xs]


# ---------------------------------------------------------------- shape and axes

@keras_op
def reshape(x, newshape):
    """``x`` with shape ``newshape`` (``keras.ops.reshape``); one entry may be -1 (inferred)."""
    x = convert_to_tensor(x)
    shape = _int_list(newshape)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if shape.count(-1) > 1:
        raise ValueError(f"reshape: at most one dimension of newshape can be -1, got {shape}.")
    known = int(np.prod([s for s in shape if s != -1]))
    if (-1 in shape and (known == 0 or x.numel() % known)) or (-1 not in shape and
                                                              known != x.numel()):
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} ({x.numel()} elements) "
            f"into shape {shape}. The new shape must hold the same number of elements.")
    return torch.reshape(x, shape)


@keras_op
def transpose(x, axes=None):
    """Permute the axes of ``x`` (``keras.ops.transpose``); ``axes=None`` reverses them."""
    x = convert_to_tensor(x)
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(_int_list(axes))
    return torch.permute(x, axes)


@keras_op
def expand_dims(x, axis):
    """Insert axes of length 1 at ``axis`` (an int or a tuple) (``keras.ops.expand_dims``)."""
    x = convert_to_tensor(x)
    axes = [axis] if isinstance(axis, int) else list(axis)
    out_ndim = x.ndim + len(axes)
    for a in sorted(_canonical_axis(a, out_ndim) for a in axes):
        x = torch.unsqueeze(x, a)
    return x


@keras_op
def squeeze(x, axis=None):
    """Remove axes of length 1 (``keras.ops.squeeze``): all of them, or those in ``axis``.

    Naming an axis whose length is not 1 raises a ``ValueError`` (as NumPy and
    Keras's shape inference do).
    """
    x = convert_to_tensor(x)
    if axis is None:
        return torch.squeeze(x)
    axes = tuple(_canonical_axis(a, x.ndim) for a in ([axis] if isinstance(axis, int) else axis))
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"squeeze: cannot squeeze axis {a} of shape {tuple(x.shape)}: its length is "
                f"{x.shape[a]}, not 1.")
    return torch.squeeze(x, dim=axes)


@keras_op
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (``keras.ops.broadcast_to``)."""
    shape = _int_list(shape)
    return torch.broadcast_to(convert_to_tensor(x), (shape,) if isinstance(shape, int) else shape)


@keras_op
def moveaxis(x, source, destination):
    """Move axes ``source`` to positions ``destination`` (``keras.ops.moveaxis``)."""
    return torch.movedim(convert_to_tensor(x), source, destination)


@keras_op
def swapaxes(x, axis1, axis2):
    """Swap two axes of ``x`` (``keras.ops.swapaxes``)."""
    return torch.swapaxes(convert_to_tensor(x), axis1, axis2)


@keras_op
def ravel(x):
    """``x`` flattened to 1-D (``keras.ops.ravel``)."""
    return torch.ravel(convert_to_tensor(x))


@keras_op
def ndim(x):
    """The number of axes of ``x``, a Python int (``keras.ops.ndim``)."""
    return convert_to_tensor(x).ndim


@keras_op
def size(x):
    """The number of elements of ``x``, as a 0-D int64 tensor (``keras.ops.size`` on torch)."""
    return torch.tensor(convert_to_tensor(x).numel(), dtype=torch.int64)


@keras_op
def view(x, dtype=None):
    """``x``'s bytes reinterpreted as ``dtype`` (``keras.ops.view``); ``None`` keeps the dtype."""
    x = convert_to_tensor(x)
    return x.view(standardize_dtype(dtype) or x.dtype)


@keras_op
def copy(x):
    """A copy of ``x`` (``keras.ops.copy``)."""
    return torch.clone(convert_to_tensor(x))


# ---------------------------------------------------------------- joining

@keras_op
def concatenate(xs, axis=0):
    """Join tensors along an existing ``axis`` (``keras.ops.concatenate``).

    Mixed dtypes promote as torch promotes them (as Keras on torch);
    ``axis=None`` joins the flattened tensors.
    """
    xs = _tensors(xs)
    if axis is None:
        return torch.cat([x.reshape(-1) for x in xs])
    return torch.cat(xs, dim=axis)


@keras_op
def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` along ``axis``, or both flattened if ``None`` (``keras.ops.append``)."""
    return concatenate([x1, x2], axis=axis)


@keras_op
def stack(x, axis=0):
    """Join tensors along a new ``axis`` (``keras.ops.stack``)."""
    return torch.stack(_tensors(x), dim=axis)


@keras_op
def hstack(xs):
    """Join tensors column-wise (axis 1, or 0 for 1-D) (``keras.ops.hstack``)."""
    return torch.hstack(_tensors(xs))


@keras_op
def vstack(xs):
    """Join tensors row-wise, 1-D ones as rows (``keras.ops.vstack``)."""
    return torch.vstack(_tensors(xs))


@keras_op
def dstack(xs):
    """Join tensors along the third axis, promoting them to 3-D (``keras.ops.dstack``)."""
    return torch.dstack(_tensors(xs))


@keras_op
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors (``keras.ops.meshgrid``), a tuple; ``"xy"`` or ``"ij"``.

    Each grid keeps its input's dtype, as in NumPy.
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}.")
    vectors = [t.reshape(-1) for t in _tensors(x)]
    positions = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) > 1:  # Cartesian: the first input varies along columns
        positions[0], positions[1] = 1, 0
    shape = [0] * len(vectors)
    for v, p in zip(vectors, positions):
        shape[p] = v.shape[0]
    grids = []
    for v, p in zip(vectors, positions):
        view_shape = [1] * len(vectors)
        view_shape[p] = -1
        grids.append(v.reshape(view_shape).expand(shape))
    return tuple(grids)


# ---------------------------------------------------------------- splitting

@keras_op
def split(x, indices_or_sections, axis=0):
    """Split ``x`` along ``axis`` into a list of tensors (``keras.ops.split``).

    An int N gives N equal parts (the axis length must divide by N); a list of
    indices gives the parts between them, as ``numpy.split``.
    """
    x = convert_to_tensor(x)
    axis = _canonical_axis(axis, x.ndim)
    length = x.shape[axis]
    cuts = _int_list(indices_or_sections)
    if isinstance(cuts, int):
        if cuts <= 0 or length % cuts:
            raise ValueError(
                f"split: indices_or_sections={cuts} (a number of sections) must divide the "
                f"length {length} of axis {axis} of x (shape {tuple(x.shape)}). Pass a list of "
                "split indices, or use array_split for unequal parts.")
        cuts = [length // cuts * i for i in range(1, cuts)]
    bounds = zip([0, *cuts], [*cuts, length])
    lead = (slice(None),) * axis
    return [x[(*lead, slice(start, stop))] for start, stop in bounds]


@keras_op
def array_split(x, indices_or_sections, axis=0):
    """Split ``x`` into ``indices_or_sections`` near-equal parts (``keras.ops.array_split``).

    As Keras, the number of parts must be a positive int; the first parts are
    one longer when the length does not divide.
    """
    if not isinstance(indices_or_sections, int):
        raise TypeError(
            "array_split: indices_or_sections must be an int (a number of parts), got "
            f"{indices_or_sections!r}. Use split for split indices.")
    if indices_or_sections <= 0:
        raise ValueError(
            f"array_split: indices_or_sections must be positive, got {indices_or_sections}.")
    if not isinstance(axis, int):
        raise TypeError(f"array_split: axis must be an int, got {axis!r}.")
    return list(torch.tensor_split(convert_to_tensor(x), indices_or_sections, dim=axis))


def _split_on(axis_of):
    def splitter(x, indices_or_sections):
        x = convert_to_tensor(x)
        return split(x, indices_or_sections, axis=axis_of(x))
    return splitter


@keras_op
def hsplit(x, indices_or_sections):
    """``split`` along axis 1 (axis 0 for 1-D ``x``) (``keras.ops.hsplit``)."""
    return _split_on(lambda x: 0 if x.ndim == 1 else 1)(x, indices_or_sections)


@keras_op
def vsplit(x, indices_or_sections):
    """``split`` along axis 0 of an at-least-2-D ``x`` (``keras.ops.vsplit``)."""
    x = convert_to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"vsplit: x needs at least 2 dimensions, got shape {tuple(x.shape)}.")
    return split(x, indices_or_sections, axis=0)


@keras_op
def dsplit(x, indices_or_sections):
    """``split`` along axis 2 of an at-least-3-D ``x`` (``keras.ops.dsplit``)."""
    x = convert_to_tensor(x)
    if x.ndim < 3:
        raise ValueError(f"dsplit: x needs at least 3 dimensions, got shape {tuple(x.shape)}.")
    return split(x, indices_or_sections, axis=2)


# ---------------------------------------------------------------- repeating and padding

@keras_op
def tile(x, repeats):
    """``x`` repeated ``repeats`` times along each axis (``keras.ops.tile``, NumPy's rules)."""
    repeats = _int_list(repeats)
    return torch.tile(convert_to_tensor(x), (repeats,) if isinstance(repeats, int) else repeats)


@keras_op
def repeat(x, repeats, axis=None):
    """Repeat each element ``repeats`` times along ``axis`` (``keras.ops.repeat``).

    ``repeats`` is an int or one count per element; ``axis=None`` works on the
    flattened ``x``.
    """
    x = convert_to_tensor(x)
    if isinstance(repeats, (list, tuple, np.ndarray, torch.Tensor)):
        repeats = torch.as_tensor(np.asarray(repeats) if not isinstance(repeats, torch.Tensor)
                                  else repeats, dtype=torch.int64, device=x.device)
    return torch.repeat_interleave(x, repeats, dim=axis)


_PAD_ALIASES = {"replicate": "edge", "circular": "wrap"}  # torch's names, accepted by Keras on torch
_UNSUPPORTED_PAD_MODES = ("linear_ramp", "maximum", "mean", "median", "minimum", "empty")


def _pad_pairs(pad_width, rank):
    """Keras's ``pad_width`` forms as one ``(before, after)`` pair per axis."""
    widths = _int_list(pad_width)
    if isinstance(widths, int):
        pairs = [(widths, widths)]
    elif widths and isinstance(widths[0], int):
        pairs = [tuple(widths)]  # (pad,) or (before, after), for every axis
    else:
        pairs = [tuple(_int_list(p)) for p in widths]
    pairs = [p * 2 if len(p) == 1 else p for p in pairs]
    if len(pairs) == 1:
        pairs = pairs * rank
    if len(pairs) != rank or any(len(p) != 2 or min(p) < 0 for p in pairs):
        raise ValueError(
            f"pad: pad_width must give non-negative (before, after) pairs, one per axis of x "
            f"(rank {rank}) or one for all, got {pad_width!r}.")
    return pairs


def _pad_source_index(length, before, after, mode, device):
    """For each padded position along an axis, the position of ``x`` it copies."""
    i = torch.arange(-before, length + after, device=device)
    if mode == "edge":
        return i.clamp(0, length - 1)
    if mode == "wrap":
        return torch.remainder(i, length)
    if mode == "symmetric":  # mirror including the edge: ... 1 0 | 0 1 2 | 2 1 ...
        j = torch.remainder(i, 2 * length)
        return torch.where(j >= length, 2 * length - 1 - j, j)
    if length == 1:  # reflect: mirror about the edge: ... 2 1 | 0 1 2 | 1 0 ...
        return torch.zeros_like(i)
    j = torch.remainder(i, 2 * length - 2)
    return torch.where(j >= length, 2 * length - 2 - j, j)


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad ``x`` (``keras.ops.pad``), NumPy's semantics for every axis.

    ``pad_width``: an int, ``(pad,)``, ``(before, after)`` (all axes alike) or
    one pair per axis.  Modes: ``"constant"`` (``constant_values``, default
    0), ``"edge"``, ``"reflect"``, ``"symmetric"``, ``"wrap"``, and torch's
    aliases ``"replicate"``/``"circular"`` that Keras on torch accepts.
    """
    x = convert_to_tensor(x)
    mode = _PAD_ALIASES.get(mode, mode)
    if mode in _UNSUPPORTED_PAD_MODES:
        raise NotImplementedError(
            f"pad: mode={mode!r} is not supported (as on Keras's torch backend). Use 'constant', "
            "'edge', 'reflect', 'symmetric' or 'wrap'.")
    if mode not in ("constant", "edge", "reflect", "symmetric", "wrap"):
        raise ValueError(
            f"pad: unknown mode {mode!r}; expected 'constant', 'edge', 'reflect', 'symmetric' "
            "or 'wrap'.")
    if constant_values is not None and mode != "constant":
        raise ValueError(
            f"pad: constant_values can only be given with mode='constant', got mode={mode!r}.")
    pairs = _pad_pairs(pad_width, x.ndim)
    if mode == "constant":
        value = constant_values.item() if hasattr(constant_values, "item") else constant_values
        flat = [w for pair in reversed(pairs) for w in pair]  # torch lists the last axis first
        return torch.nn.functional.pad(x, flat, value=0 if value is None else value)
    for axis, (before, after) in enumerate(pairs):
        if before or after:
            if x.shape[axis] == 0:
                raise ValueError(f"pad: cannot pad the empty axis {axis} in mode {mode!r}.")
            index = _pad_source_index(x.shape[axis], before, after, mode, x.device)
            x = torch.index_select(x, axis, index)
    return x


# ---------------------------------------------------------------- flipping and rotating

@keras_op
def flip(x, axis=None):
    """Reverse the order of elements along ``axis`` (all axes if ``None``) (``keras.ops.flip``)."""
    x = convert_to_tensor(x)
    axes = tuple(range(x.ndim)) if axis is None else \
        ((axis,) if isinstance(axis, int) else tuple(axis))
    return torch.flip(x, dims=axes)


@keras_op
def fliplr(x):
    """Reverse axis 1 (left/right) of an at-least-2-D ``x`` (``keras.ops.fliplr``)."""
    return torch.fliplr(convert_to_tensor(x))


@keras_op
def flipud(x):
    """Reverse axis 0 (up/down) of ``x`` (``keras.ops.flipud``)."""
    return torch.flipud(convert_to_tensor(x))


@keras_op
def roll(x, shift, axis=None):
    """Shift elements along ``axis`` cyclically; ``None`` rolls the flattened ``x`` (``keras.ops.roll``)."""
    return torch.roll(convert_to_tensor(x), shift, dims=axis)


@keras_op
def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (``keras.ops.rot90``)."""
    array = convert_to_tensor(array)
    if array.ndim < 2:
        raise ValueError(f"rot90: the input needs at least 2 dimensions, got shape "
                         f"{tuple(array.shape)}.")
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must be two different axes, got {axes!r}.")
    a, b = (_canonical_axis(ax, array.ndim, "axes") for ax in axes)
    if a == b:
        raise ValueError(f"rot90: axes must be two different axes, got {axes!r}.")
    return torch.rot90(array, k=k, dims=(a, b))


# ---------------------------------------------------------------- diagonals and triangles

@keras_op
def diag(x, k=0):
    """The ``k``-th diagonal of a 2-D ``x``, or a 2-D matrix with the 1-D ``x`` on it (``keras.ops.diag``)."""
    x = convert_to_tensor(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"diag: x must be 1-D or 2-D, got shape {tuple(x.shape)}.")
    return torch.diag(x, diagonal=k)


@keras_op
def diagflat(x, k=0):
    """A 2-D matrix with the flattened ``x`` on diagonal ``k`` (``keras.ops.diagflat``)."""
    return torch.diagflat(convert_to_tensor(x), offset=k)


@keras_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    """Diagonals of the ``(axis1, axis2)`` planes, appended as the last axis (``keras.ops.diagonal``)."""
    x = convert_to_tensor(x)
    a1, a2 = _canonical_axis(axis1, x.ndim, "axis1"), _canonical_axis(axis2, x.ndim, "axis2")
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, got {axis1} and {axis2}.")
    return torch.diagonal(x, offset=offset, dim1=a1, dim2=a2)


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal in the ``(axis1, axis2)`` planes (``keras.ops.trace``).

    Dtype as Keras on torch: bool, int8, int16 and uint8 sum to int32; other
    dtypes keep theirs.
    """
    x = convert_to_tensor(x)
    dtype = torch.int32 if x.dtype in (torch.bool, torch.int8, torch.int16, torch.uint8) \
        else x.dtype
    return torch.sum(diagonal(x, offset, axis1, axis2), dim=-1, dtype=dtype)


def _triangle(fn, name, x, k):
    x = convert_to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"{name}: x needs at least 2 dimensions, got shape {tuple(x.shape)}.")
    return fn(x, diagonal=int(k))


@keras_op
def tril(x, k=0):
    """``x`` with the elements above diagonal ``k`` zeroed (last two axes) (``keras.ops.tril``)."""
    return _triangle(torch.tril, "tril", x, k)


@keras_op
def triu(x, k=0):
    """``x`` with the elements below diagonal ``k`` zeroed (last two axes) (``keras.ops.triu``)."""
    return _triangle(torch.triu, "triu", x, k)


@keras_op
def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference along ``axis`` (``keras.ops.diff``)."""
    return torch.diff(convert_to_tensor(a), n=n, dim=axis)


# ---------------------------------------------------------------- vectorize

_CORE_DIMS = re.compile(r"\(([^()]*)\)")


def _parse_signature(signature: str):
    """``"(m,n),(n)->(m)"`` as lists of core-dimension names for the inputs and outputs."""
    if not re.fullmatch(r"\s*(\([^()]*\)\s*,?\s*)+->\s*(\([^()]*\)\s*,?\s*)+", signature):
        raise ValueError(
            f"vectorize: signature {signature!r} is not of the form '(m,n),(n)->(m)'.")
    inputs, outputs = signature.split("->")
    parse = lambda part: [[d.strip() for d in m.split(",") if d.strip()]  # noqa: E731
                          for m in _CORE_DIMS.findall(part)]
    return parse(inputs), parse(outputs)


@keras_op
def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` made to map over the leading (broadcast) axes of its inputs (``keras.ops.vectorize``).

    As ``numpy.vectorize``: without ``signature`` ``pyfunc`` sees single
    elements; with one (``"(n),(n)->()"``) it sees the core axes.  ``excluded``
    names positions or keywords passed through unchanged.  Uses ``torch.vmap``.
    """
    if not callable(pyfunc):
        raise ValueError(f"vectorize: pyfunc must be callable, got {pyfunc!r}.")
    excluded = set(excluded or ())
    core_inputs = _parse_signature(signature)[0] if signature else None

    @functools.wraps(pyfunc)
    def vectorized(*args, **kwargs):
        positions = [i for i in range(len(args)) if i not in excluded]
        names = [k for k in kwargs if k not in excluded]
        tensors = [convert_to_tensor(args[i]) for i in positions] + \
            [convert_to_tensor(kwargs[k]) for k in names]
        if core_inputs is not None and len(core_inputs) != len(tensors):
            raise ValueError(
                f"vectorize: the signature {signature!r} names {len(core_inputs)} inputs, but "
                f"{len(tensors)} were passed.")
        cores = [len(c) for c in core_inputs] if core_inputs is not None else [0] * len(tensors)
        loops = [t.shape[:t.ndim - c] for t, c in zip(tensors, cores)]
        loop_shape = torch.broadcast_shapes(*loops)
        flat = [t.broadcast_to(loop_shape + t.shape[t.ndim - c:]).reshape(-1, *t.shape[t.ndim - c:])
                for t, c in zip(tensors, cores)]

        def call(*mapped):
            full_args, full_kwargs = list(args), dict(kwargs)
            for i, v in zip(positions, mapped):
                full_args[i] = v
            for k, v in zip(names, mapped[len(positions):]):
                full_kwargs[k] = v
            return pyfunc(*full_args, **full_kwargs)

        out = torch.vmap(call)(*flat)
        unflatten = lambda o: o.reshape(loop_shape + o.shape[1:])  # noqa: E731
        return type(out)(unflatten(o) for o in out) if isinstance(out, (tuple, list)) \
            else unflatten(out)

    return vectorized

