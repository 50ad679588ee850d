"""``Add`` and ``add``: the element-wise sum of a list of tensors (Keras's ``Add``)."""

from __future__ import annotations

from keraton.layers.merging.base_merge import Merge


class Add(Merge):
    """Sum the inputs element-wise, as ``keras.layers.Add``.

    Takes a list of tensors of the same shape (or shapes that broadcast,
    Keras's rules) and returns one tensor of that shape.

    Example:
        >>> a, b = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])
        >>> keraton.layers.Add()([a, b])
        tensor([[4., 6.]])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


def add(inputs, **kwargs):
    """Functional form of :class:`Add`: ``Add(**kwargs)(inputs)``, as ``keras.layers.add``.

    Works on eager tensors and on symbolic ``KerasTensor``s.

    Example:
        >>> keraton.layers.add([torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])])
        tensor([[4., 6.]])
    """
    return Add(**kwargs)(inputs)
