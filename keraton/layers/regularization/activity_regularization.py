"""``ActivityRegularization``: identity layer that adds an L1/L2 penalty on its input."""

from __future__ import annotations

from keraton import regularizers
from keraton.layers.layer import Layer


class ActivityRegularization(Layer):
    """Pass the input through and add ``l1 * sum|x| + l2 * sum x**2`` (divided by the batch size) to ``losses``.

    Matches ``keras.layers.ActivityRegularization``: the penalty is the
    layer's activity regularizer, so it is divided by the batch size as for
    any other layer, and it appears in ``layer.losses`` after each call.

    Args:
        l1: L1 factor.
        l2: L2 factor.

    Example:
        >>> layer = keraton.layers.ActivityRegularization(l1=0.1)
        >>> _ = layer(torch.tensor([[1.0, -2.0]]))
        >>> layer.losses
        [tensor(0.3000)]
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.built = True

    def call(self, inputs):
        """Return the input unchanged (the penalty is added by the layer's call)."""
        return inputs

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's config: l1, l2 (no activity_regularizer entry)."""
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
