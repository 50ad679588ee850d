"""``TimeDistributed``: apply a layer to every temporal slice of an input."""

from __future__ import annotations

from keraton.layers.core.wrapper import Wrapper
from keraton.layers.layer import Layer, _call_accepts


class TimeDistributed(Wrapper):
    """Apply ``layer`` to each time step of a ``(batch, time, ...)`` input, as ``keras.layers.TimeDistributed``.

    The time axis is folded into the batch so the wrapped layer runs once on
    ``(batch * time, ...)``, then unfolded: the same function as Keras's
    per-step loop, in one call.  The wrapped layer's weights are shared by all
    steps; a mask ``(batch, time)`` is passed on per step when the layer takes one.
    A :class:`~keraton.layers.Wrapper`, whose config holds the wrapped layer.

    Example:
        >>> layer = keraton.layers.TimeDistributed(keraton.layers.Dense(8))
        >>> layer(torch.ones(32, 10, 16)).shape
        torch.Size([32, 10, 8])
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                f"Received: {layer!r}"
            )
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f"Layer '{self.name}' (TimeDistributed) expects an input with at least 3 dimensions "
                f"(batch, time, ...), got shape {tuple(input_shape) if input_shape else input_shape}."
            )
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape) -> None:
        """Build the wrapped layer on one time step's shape."""
        self.layer._maybe_build(self._child_shape(input_shape))
        self.built = True

    def compute_output_shape(self, input_shape):
        """``(batch, time) + layer's output shape without its batch``."""
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (child[0], input_shape[1]) + tuple(child[1:])

    def call(self, inputs, training=None, mask=None):
        """Run the wrapped layer on all steps at once (time folded into the batch)."""
        self._child_shape(inputs.shape)
        batch, steps = inputs.shape[0], inputs.shape[1]
        if mask is not None and (mask.dim() < 2 or tuple(mask.shape[:2]) != (batch, steps)):
            raise ValueError(
                f"The mask passed to layer '{self.name}' (TimeDistributed) has shape "
                f"{tuple(mask.shape)}, incompatible with the input shape {tuple(inputs.shape)}: its "
                f"first two dimensions must be ({batch}, {steps})."
            )
        kwargs = {}
        cls = type(self.layer)
        if _call_accepts(cls, "training"):
            kwargs["training"] = training
        if mask is not None and _call_accepts(cls, "mask"):
            kwargs["mask"] = mask.reshape((batch * steps,) + tuple(mask.shape[2:]))
        outputs = self.layer(inputs.reshape((batch * steps,) + tuple(inputs.shape[2:])), **kwargs)
        return outputs.reshape((batch, steps) + tuple(outputs.shape[1:]))
