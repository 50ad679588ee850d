"""``Multiply`` and ``multiply``: the element-wise product of a list of tensors (Keras's ``Multiply``)."""

from __future__ import annotations

import torch

from keraton.layers.merging.base_merge import Merge


class Multiply(Merge):
    """Multiply the inputs element-wise, as ``keras.layers.Multiply``.

    With masked inputs, Keras's rule: masked cells count as 1 in the product,
    and when every input is masked the cells masked in all of them are 0.

    Example:
        >>> a, b = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 4.0]])
        >>> keraton.layers.Multiply()([a, b])
        tensor([[3., 8.]])
    """

    def _merge_function(self, inputs):
        masks = [getattr(x, "_keras_mask", None) for x in inputs]
        all_masked = all(m is not None for m in masks)
        output = output_mask = None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                mask = mask.unsqueeze(-1).expand(x.shape)
                x = torch.where(mask, x, torch.ones((), dtype=x.dtype, device=x.device))
                if all_masked:
                    output_mask = mask if output_mask is None else torch.logical_or(output_mask,
                                                                                    mask)
            output = x if output is None else output * x
        if all_masked:
            output = torch.where(output_mask, output, torch.zeros((), dtype=output.dtype,
                                                                  device=output.device))
        return output


def multiply(inputs, **kwargs):
    """Functional form of :class:`Multiply`, as ``keras.layers.multiply``.

    Example:
        >>> keraton.layers.multiply([torch.tensor([[2.0]]), torch.tensor([[3.0]])])
        tensor([[6.]])
    """
    return Multiply(**kwargs)(inputs)
