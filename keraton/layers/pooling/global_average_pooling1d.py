"""``GlobalAveragePooling1D``: global average pooling over 1 spatial axis (Keras's ``GlobalAveragePooling1D``)."""

from __future__ import annotations

import torch

from keraton.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Global average pooling: the mean over all spatial axes, as ``keras.layers.GlobalAveragePooling1D``.

    Honours a mask of shape ``(batch, steps)``: masked steps are left out
    of the average (all steps masked gives NaN, as in Keras).
    Args:
        data_format: ``'channels_last'`` (default, ``backend.image_data_format()``)
            or ``'channels_first'``.
        keepdims: keep the spatial axes with size 1 (default False).

    Shape:
        input ``(batch, steps, features)`` -> output ``(batch, channels)``.

    Example:
        >>> keraton.layers.GlobalAveragePooling1D()(torch.ones(2, 6, 3)).shape
        torch.Size([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims,
                         **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        """The mean over the steps, counting only unmasked steps when a mask is given."""
        if mask is None:
            return inputs.mean(dim=self._axes, keepdim=self.keepdims)
        mask = mask.to(torch.bool).unsqueeze(2 if self.data_format == "channels_last" else 1)
        weights = mask.to(inputs.dtype)
        total = torch.where(mask, inputs, 0).sum(dim=self._axes, keepdim=self.keepdims)
        return total / weights.sum(dim=self._axes, keepdim=self.keepdims)

    def compute_mask(self, inputs, previous_mask=None):
        """The output has no steps left, so no mask (as Keras)."""
        return None
