"""``Maximum`` and ``maximum``: the element-wise maximum of a list of tensors (Keras's ``Maximum``)."""

from __future__ import annotations

import torch

from keraton.layers.merging.base_merge import Merge


class Maximum(Merge):
    """Take the element-wise maximum of the inputs, as ``keras.layers.Maximum``.

    Takes a list of tensors of the same shape (or shapes that broadcast,
    Keras's rules) and returns one tensor of that shape.

    With masked inputs, masked cells never win: they take the other operand's
    value, as in Keras.

    Example:
        >>> a, b = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])
        >>> keraton.layers.Maximum()([a, b])
        tensor([[3., 4.]])
    """

    def _merge_function(self, inputs):
        return self._apply_merge_op_and_or_mask(torch.maximum, inputs)


def maximum(inputs, **kwargs):
    """Functional form of :class:`Maximum`: ``Maximum(**kwargs)(inputs)``, as ``keras.layers.maximum``.

    Works on eager tensors and on symbolic ``KerasTensor``s.

    Example:
        >>> keraton.layers.maximum([torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])])
        tensor([[3., 4.]])
    """
    return Maximum(**kwargs)(inputs)
