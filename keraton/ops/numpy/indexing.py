"""Indexing, sorting and searching of tensors (``take``, ``sort``, ``unique``...).

Each op follows ``keras.ops`` (NumPy's semantics and Keras's argument names)
on torch.  Index outputs (``argsort``, ``nonzero``, ``searchsorted``...) are
int32 as in Keras.
"""

from __future__ import annotations

import numpy as np
import torch

from keraton.ops._utils import convert_to_tensor, keras_op
from keraton.ops._utils import result_type as result_dtype
from keraton.ops.numpy.manipulation import _canonical_axis, _int_list

__all__ = [
    "argpartition", "argsort", "get_item", "nonzero", "searchsorted", "sort", "take",
    "take_along_axis", "unique", "unravel_index",
]


# ---------------------------------------------------------------- indexing

@keras_op
def get_item(x, key):
    """``x[key]`` (``keras.ops.get_item``), with torch's indexing."""
    return convert_to_tensor(x)[key]


def _indices_from_end(indices, length):
    """Negative indices counted from the end of an axis of ``length``, as int64."""
    indices = indices.long()
    return torch.where(indices < 0, indices + length, indices)


@keras_op
def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis`` (``keras.ops.take``).

    ``axis=None`` takes from the flattened ``x``; negative indices count from
    the end of the axis; out-of-range indices raise ``IndexError``.
    """
    x = convert_to_tensor(x)
    indices = convert_to_tensor(indices).to(x.device)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = _canonical_axis(axis, x.ndim)
    flat = _indices_from_end(indices, x.shape[axis]).reshape(-1)
    out = torch.index_select(x, axis, flat)
    return out.reshape(x.shape[:axis] + indices.shape + x.shape[axis + 1:])


@keras_op
def take_along_axis(x, indices, axis=None):
    """Elements of ``x`` picked by ``indices`` along ``axis`` (``keras.ops.take_along_axis``).

    ``indices`` broadcasts with ``x`` off ``axis``; ``axis=None`` uses the
    flattened ``x`` and 1-D ``indices``; negative indices count from the end.
    """
    x = convert_to_tensor(x)
    indices = convert_to_tensor(indices).to(x.device)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = _canonical_axis(axis, x.ndim)
    return torch.take_along_dim(x, _indices_from_end(indices, x.shape[axis]), dim=axis)


@keras_op
def nonzero(x):
    """Indices of the non-zero elements (``keras.ops.nonzero``): one int32 tensor per axis."""
    return tuple(i.to(torch.int32) for i in torch.nonzero(convert_to_tensor(x), as_tuple=True))


@keras_op
def unravel_index(indices, shape):
    """Flat ``indices`` as a tuple of coordinate tensors for ``shape`` (``keras.ops.unravel_index``).

    Dtype as Keras: the indices' dtype narrowed to 32 bits.
    """
    indices = convert_to_tensor(indices)
    dtype = result_dtype(indices)
    return tuple(i.to(dtype) for i in torch.unravel_index(indices, tuple(_int_list(shape))))


# ---------------------------------------------------------------- sorting and searching

@keras_op
def sort(x, axis=-1):
    """``x`` sorted ascending along ``axis``; ``None`` sorts the flattened ``x`` (``keras.ops.sort``)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.dtype == torch.bool and x.device.type != "cpu":
        return torch.sort(x.to(torch.uint8), dim=axis).values.bool()
    return torch.sort(x, dim=axis).values


@keras_op
def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (stable), int32 (``keras.ops.argsort``)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), -1
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


@keras_op
def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` around its ``kth`` element along ``axis`` (``keras.ops.argpartition``).

    Element ``kth`` of the result indexes the value a sort would put there;
    those before it index no larger values, those after no smaller ones.
    This returns the full stable sort order, one valid partition.  int32.
    """
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), -1
    length = x.shape[_canonical_axis(axis, x.ndim)]
    if not -length <= kth < length:
        raise ValueError(f"argpartition: kth={kth} is out of bounds for an axis of length "
                         f"{length}.")
    return argsort(x, axis=axis)


@keras_op
def searchsorted(sorted_sequence, values, side="left"):
    """Where ``values`` would be inserted into the 1-D ascending ``sorted_sequence`` (``keras.ops.searchsorted``).

    ``side="left"`` gives the first suitable index, ``"right"`` the last;
    int32 as Keras (int64 for sequences longer than int32 can index).
    """
    sorted_sequence, values = convert_to_tensor(sorted_sequence), convert_to_tensor(values)
    if sorted_sequence.ndim != 1:
        raise ValueError(
            "searchsorted: sorted_sequence must be 1-D, got shape "
            f"{tuple(sorted_sequence.shape)}. Use keras.ops.vectorized_map for N-D sequences.")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}.")
    common = torch.promote_types(sorted_sequence.dtype, values.dtype)
    return torch.searchsorted(sorted_sequence.to(common), values.to(common), side=side,
                              out_int32=sorted_sequence.shape[0] <= np.iinfo(np.int32).max)


@keras_op
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The unique elements of ``x`` (``keras.ops.unique``), or sub-tensors along ``axis``.

    Returns the values, then as asked the index of each value's first
    occurrence, the inverse (indices rebuilding ``x``) and the counts, in that
    order (int64, as on Keras's torch backend).  ``size`` truncates or pads the
    result to a fixed length: values with ``fill_value`` (default 0), counts
    with 0, first indices with 1, as Keras on torch.
    """
    x = convert_to_tensor(x)
    want_inverse = return_inverse or return_index
    out = torch.unique(x, sorted=sorted, return_inverse=want_inverse,
                       return_counts=return_counts, dim=axis)
    values, *extra = out if isinstance(out, tuple) else (out,)
    inverse = extra.pop(0) if want_inverse else None
    counts = extra.pop(0) if return_counts else None
    dim = 0 if axis is None else _canonical_axis(axis, x.ndim)
    first = None
    if return_index:
        flat_inverse = inverse.reshape(-1)
        positions = torch.arange(flat_inverse.numel(), device=x.device)
        first = torch.full((values.shape[dim],), flat_inverse.numel(), device=x.device)
        first = first.scatter_reduce(0, flat_inverse, positions, reduce="amin")
    if size is not None:
        found = values.shape[dim]
        if found >= size:
            values = values.narrow(dim, 0, size)
            counts = None if counts is None else counts[:size]
            first = None if first is None else first[:size]
        else:
            missing = size - found
            shape = list(values.shape)
            shape[dim] = missing
            filler = torch.full(shape, 0 if fill_value is None else fill_value,
                                dtype=values.dtype, device=x.device)
            values = torch.cat([values, filler], dim=dim)
            if counts is not None:
                counts = torch.cat([counts, counts.new_zeros(missing)])
            if first is not None:
                first = torch.cat([first, first.new_ones(missing)])
    results = [values] + [r for r, wanted in ((first, return_index), (inverse, return_inverse),
                                              (counts, return_counts)) if wanted]
    return results[0] if len(results) == 1 else tuple(results)
