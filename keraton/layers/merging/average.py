"""``Average`` and ``average``: the element-wise mean of a list of tensors (Keras's ``Average``)."""

from __future__ import annotations

from keraton.layers.merging.base_merge import Merge


class Average(Merge):
    """Average the inputs element-wise, as ``keras.layers.Average``.

    Takes a list of tensors of the same shape (or shapes that broadcast,
    Keras's rules) and returns one tensor of that shape.

    Example:
        >>> a, b = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])
        >>> keraton.layers.Average()([a, b])
        tensor([[2., 3.]])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


def average(inputs, **kwargs):
    """Functional form of :class:`Average`: ``Average(**kwargs)(inputs)``, as ``keras.layers.average``.

    Works on eager tensors and on symbolic ``KerasTensor``s.

    Example:
        >>> keraton.layers.average([torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])])
        tensor([[2., 3.]])
    """
    return Average(**kwargs)(inputs)
