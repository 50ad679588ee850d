"""``Masking``: mark time steps whose features all equal ``mask_value`` as padding."""

from __future__ import annotations

import torch

from keraton.layers.layer import Layer


class Masking(Layer):
    """Mask the time steps where every feature equals ``mask_value``, as ``keras.layers.Masking``.

    For an input ``(batch, timesteps, features)`` the mask is ``any(inputs !=
    mask_value, axis=-1)``; masked steps are set to 0 in the output, and layers
    that support masking (RNNs) skip them.

    Example:
        >>> x = torch.tensor([[[1.0], [0.0], [2.0]]])
        >>> y = keraton.layers.Masking(mask_value=0.0)(x)
        >>> y._keras_mask
        tensor([[ True, False,  True]])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def _keep(self, inputs):
        if not isinstance(inputs, torch.Tensor):  # compute_mask(numpy_array), as Keras allows
            inputs = torch.as_tensor(inputs)
        return (inputs != self.mask_value).any(dim=-1, keepdim=True)

    def call(self, inputs):
        """Zero the masked steps."""
        return torch.where(self._keep(inputs), inputs, torch.zeros((), dtype=inputs.dtype))

    def compute_mask(self, inputs, mask=None):
        """``any(inputs != mask_value, axis=-1)``; the incoming mask is replaced, as in Keras."""
        return self._keep(inputs).squeeze(-1)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: ``mask_value``."""
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
