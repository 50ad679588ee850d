"""Categorical encoding shared by ``CategoryEncoding``, ``Discretization`` and the lookup layers.

Keras's ``numerical_utils.encode_categorical_inputs`` written with torch ops.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def encode_categorical(indices: torch.Tensor, output_mode: str, depth: int,
                       dtype=torch.float32, count_weights=None) -> torch.Tensor:
    """Encode integer ``indices`` in ``[0, depth)`` as Keras does.

    ``'int'`` casts; ``'one_hot'`` drops a trailing axis of size 1 and appends
    ``depth``; ``'multi_hot'``/``'count'`` reduce over axis 1 (axis 0 for a
    rank-1 input, which is one sample), giving ``(batch, depth)`` for a
    ``(batch, n)`` input.
    """
    if output_mode == "int":
        return indices.to(dtype)
    if indices.dim() == 0:
        indices = indices.unsqueeze(-1)
    indices = indices.long()
    if output_mode == "one_hot":
        if indices.dim() > 1 and indices.shape[-1] == 1:
            indices = indices.squeeze(-1)
        return F.one_hot(indices, depth).to(dtype)
    axis = 1 if indices.dim() > 1 else 0
    hot = F.one_hot(indices, depth)
    if output_mode == "multi_hot":
        return hot.amax(dim=axis).to(dtype)
    if count_weights is not None:
        weights = torch.as_tensor(count_weights, dtype=dtype, device=indices.device)
        return (hot.to(dtype) * weights.unsqueeze(-1)).sum(dim=axis)
    return hot.sum(dim=axis).to(dtype)
