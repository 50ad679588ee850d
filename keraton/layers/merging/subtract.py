"""``Subtract`` and ``subtract``: the difference of exactly two tensors (Keras's ``Subtract``)."""

from __future__ import annotations

from keraton.layers.merging.base_merge import Merge


class Subtract(Merge):
    """Subtract the second input from the first, as ``keras.layers.Subtract``.

    Takes a list of exactly two tensors of the same (or broadcastable) shape.

    Example:
        >>> a, b = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 5.0]])
        >>> keraton.layers.Subtract()([a, b])
        tensor([[-2., -3.]])
    """

    def _validate(self, input_shape) -> None:
        """Check there are exactly two inputs, then the usual merge checks."""
        super()._validate(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"Layer '{self.name}' (Subtract) should be called on exactly 2 inputs, got "
                f"{len(input_shape)} (shapes {[tuple(s) for s in input_shape]})."
            )

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(
                f"Layer '{self.name}' (Subtract) should be called on exactly 2 inputs, got "
                f"{len(inputs)}."
            )
        return inputs[0] - inputs[1]


def subtract(inputs, **kwargs):
    """Functional form of :class:`Subtract`, as ``keras.layers.subtract``.

    Example:
        >>> keraton.layers.subtract([torch.tensor([[1.0]]), torch.tensor([[3.0]])])
        tensor([[-2.]])
    """
    return Subtract(**kwargs)(inputs)
