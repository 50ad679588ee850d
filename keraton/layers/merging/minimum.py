"""``Minimum`` and ``minimum``: the element-wise minimum of a list of tensors (Keras's ``Minimum``)."""

from __future__ import annotations

import torch

from keraton.layers.merging.base_merge import Merge


class Minimum(Merge):
    """Take the element-wise minimum of the inputs, as ``keras.layers.Minimum``.

    Takes a list of tensors of the same shape (or shapes that broadcast,
    Keras's rules) and returns one tensor of that shape.

    With masked inputs, masked cells never win: they take the other operand's
    value, as in Keras.

    Example:
        >>> a, b = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])
        >>> keraton.layers.Minimum()([a, b])
        tensor([[1., 2.]])
    """

    def _merge_function(self, inputs):
        return self._apply_merge_op_and_or_mask(torch.minimum, inputs)


def minimum(inputs, **kwargs):
    """Functional form of :class:`Minimum`: ``Minimum(**kwargs)(inputs)``, as ``keras.layers.minimum``.

    Works on eager tensors and on symbolic ``KerasTensor``s.

    Example:
        >>> keraton.layers.minimum([torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])])
        tensor([[1., 2.]])
    """
    return Minimum(**kwargs)(inputs)
