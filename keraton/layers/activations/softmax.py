"""``Softmax``: softmax layer with Keras's mask handling."""

from __future__ import annotations

import torch

from keraton import activations
from keraton.layers.layer import Layer


def _large_negative_number(dtype: torch.dtype) -> float:
    """Keras's fill value for masked logits: -1e9, or -3e4 for half precision."""
    return -3e4 if dtype in (torch.float16, torch.bfloat16) else -1e9


class Softmax(Layer):
    """Softmax over ``axis``, as ``keras.layers.Softmax``.

    With a mask (passed as ``mask=`` or carried by the input), masked
    positions get the logit ``-1e9`` before the softmax and exactly 0 after
    it, so a fully masked slice is all zeros (not uniform), as in Keras.  A
    non-boolean mask keeps the positions where it is ``> 0.5``.  The mask must
    broadcast to the input.

    Args:
        axis: int, or a list/tuple of ints to normalize over several axes.

    Example:
        >>> sm = keraton.layers.Softmax()
        >>> sm(torch.tensor([[1.0, 1.0, 5.0]]), mask=torch.tensor([[True, True, False]]))
        tensor([[0.5000, 0.5000, 0.0000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        """Return the (masked) softmax of ``inputs``."""
        if mask is not None:
            mask = torch.as_tensor(mask, device=inputs.device)
            if mask.dim() > inputs.dim() or any(
                m != 1 and m != i for m, i in zip(reversed(mask.shape), reversed(inputs.shape))
            ):
                raise ValueError(
                    f"Layer '{self.name}' (Softmax): the mask must be broadcastable to the inputs "
                    f"(each mask dimension 1 or equal to the input's), got inputs of shape "
                    f"{tuple(inputs.shape)} and a mask of shape {tuple(mask.shape)}."
                )
            if mask.dtype != torch.bool:
                mask = mask > 0.5
            inputs = inputs.masked_fill(~mask, _large_negative_number(inputs.dtype))
        axis = self.axis
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, (list, tuple)):
            outputs = torch.exp(inputs - torch.logsumexp(inputs, dim=tuple(axis), keepdim=True))
        else:
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = outputs.masked_fill(~mask, 0.0)
        return outputs

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: the axis."""
        config = super().get_config()
        config["axis"] = self.axis
        return config
