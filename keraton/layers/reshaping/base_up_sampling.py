"""Shared helper of ``UpSampling1D/2D/3D``: repeat each spatial axis by an integer factor."""

from __future__ import annotations

import torch


def repeat_axes(x: torch.Tensor, first_axis: int, sizes: tuple) -> torch.Tensor:
    """Repeat every element ``sizes[i]`` times along axis ``first_axis + i`` (nearest upsampling).

    Equals chained ``repeat_interleave`` calls (Keras's ``ops.repeat``) but
    copies once: a size-``s`` axis is inserted after each spatial axis,
    broadcast by ``expand`` and merged by one ``reshape``.
    """
    shape = list(x.shape)
    view, expanded, final = [], [], []
    for axis, n in enumerate(shape):
        view.append(n)
        expanded.append(n)
        i = axis - first_axis
        if 0 <= i < len(sizes):
            view.append(1)
            expanded.append(sizes[i])
            final.append(n * sizes[i])
        else:
            final.append(n)
    return x.reshape(view).expand(expanded).reshape(final)


def scaled(length, factor: int):
    """``length * factor``, or ``None`` for an unknown length."""
    return None if length is None else length * factor
