"""``keras.constraints.RadialConstraint``: tf.keras 2's radially constant Conv2D kernels.

tf.keras 2 (removed in Keras 3).  Each ``(rows, cols)`` slice of a 4-D kernel
``(rows, cols, input_depth, output_depth)`` is replaced by square rings that
each repeat one diagonal entry of the slice, with tf.keras 2.15's exact choice
of entries (its ``while_loop`` of paddings):

* ``s = rows // 2``; the centre (1x1 for odd ``rows``, 2x2 for even) takes
  ``w[s - 1, s - 1]``;
* ring ``d`` (``d = 1`` around the centre) takes ``w[s + d - 1, s + d - 1]`` for odd
  ``rows`` and ``w[s + d, s + d]`` for even ``rows``.
"""

from __future__ import annotations

import torch

from keraton.constraints import Constraint

__all__ = ["RadialConstraint", "radial_constraint"]


def _ring_sources(size: int) -> torch.Tensor:
    """Index of the diagonal entry each position of a ``size x size`` slice takes."""
    s = size // 2
    pos = torch.arange(size)
    if size % 2:
        dist = (pos - s).abs()
        shift = -1
    else:
        dist = torch.where(pos < s, s - 1 - pos, pos - s)
        shift = 0
    ring = torch.maximum(dist[:, None], dist[None, :])
    return torch.where(ring == 0, s - 1, s + ring + shift)


class RadialConstraint(Constraint):
    """Make each kernel slice radially constant, as tf.keras 2's ``RadialConstraint``.

    Applies to kernels of shape ``(rows, cols, input_depth, output_depth)`` with
    ``rows == cols >= 2`` (``Conv2D``, ``Conv2DTranspose``, ``SeparableConv2D``).
    Its config is empty.

    Example:
        >>> w = torch.arange(16.0).reshape(4, 4, 1, 1)
        >>> RadialConstraint()(w)[:, :, 0, 0]
        tensor([[15., 15., 15., 15.],
                [15.,  5.,  5., 15.],
                [15.,  5.,  5., 15.],
                [15., 15., 15., 15.]])
    """

    def __call__(self, w):
        w = w if isinstance(w, torch.Tensor) else torch.as_tensor(w)
        if w.dim() != 4:
            raise ValueError(
                "RadialConstraint: the weight tensor must have rank 4 "
                "(rows, cols, input_depth, output_depth). Received weight tensor with shape: "
                f"{tuple(w.shape)}."
            )
        rows, cols = w.shape[0], w.shape[1]
        if rows != cols or rows < 2:
            raise ValueError(
                "RadialConstraint: expected square kernel slices of at least 2x2 "
                f"(rows == cols >= 2); received weight tensor with shape {tuple(w.shape)}."
            )
        diag = w[torch.arange(rows), torch.arange(rows)]  # (rows, input_depth, output_depth)
        return diag[_ring_sources(rows).to(w.device)]


radial_constraint = RadialConstraint
