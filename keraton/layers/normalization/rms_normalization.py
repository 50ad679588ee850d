"""``RMSNormalization``: scale each example by the inverse root mean square over the given axes."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton.layers.layer import Layer


class RMSNormalization(Layer):
    """Root mean square normalization (Zhang & Sennrich), as ``keras.layers.RMSNormalization``.

    Computes ``x * rsqrt(mean(square(x), axis) + epsilon) * scale``, where the
    learned ``scale`` (initialized to ones) has the shape of the normalized
    axes.  As in Keras, the arithmetic runs in at least float32 and the result
    takes the input's dtype, and ``axis`` becomes a sorted list once the layer
    is built (and so does its config).  Trailing axes run through
    ``torch.nn.functional.rms_norm``, as Keras's torch backend does; other axes
    are normalized as asked (Keras's torch backend would hand them to
    ``rms_norm`` as if they were trailing).

    Args:
        axis: axis or list of axes to normalize over (default ``-1``).
        epsilon: added to the mean square (default ``1e-6``).

    Example:
        >>> keraton.layers.RMSNormalization(epsilon=0.0)(torch.tensor([[3.0, 4.0]]))
        tensor([[0.8485, 1.1314]], grad_fn=...)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, tuple):
            axis = list(axis)
        if not (isinstance(axis, int) and not isinstance(axis, bool)) and not (
                isinstance(axis, list) and all(isinstance(a, int) for a in axis)):
            raise TypeError(
                "RMSNormalization expected an int or a list/tuple of ints for the argument "
                f"'axis', got axis={axis!r}."
            )
        self.axis = axis
        self.epsilon = epsilon

    def _check_axes(self, input_shape) -> list:
        axes = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        rank = len(input_shape)
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(
                    f"Layer '{self.name}' (RMSNormalization): axis {a} is out of bounds for "
                    f"input shape {tuple(input_shape)}. Received: axis={self.axis}."
                )
        return axes

    def build(self, input_shape) -> None:
        """Create ``scale`` with the shape of the normalized axes."""
        axes = self._check_axes(input_shape)
        self.axis = axes
        self.scale = self.add_weight(shape=tuple(input_shape[a] for a in axes), name="scale",
                                     initializer="ones")
        rank = len(input_shape)
        dims = sorted(a % rank for a in axes)
        self._dims = dims
        self._trailing = dims == list(range(rank - len(dims), rank))
        self._broadcast = [input_shape[i] if i in dims else 1 for i in range(rank)]
        self.built = True

    def call(self, inputs):
        """Normalize ``inputs`` by their root mean square over ``axis`` and apply ``scale``."""
        dtype = inputs.dtype
        x = inputs.to(torch.promote_types(dtype, torch.float32))
        scale = self.scale.to(x.dtype)
        if self._trailing:
            shape = tuple(x.shape[d] for d in self._dims)
            out = F.rms_norm(x, shape, scale, self.epsilon)
        else:
            inv_rms = torch.rsqrt(x.square().mean(dim=self._dims, keepdim=True) + self.epsilon)
            out = x * inv_rms * scale.reshape(self._broadcast)
        return out.to(dtype)

    def compute_output_shape(self, input_shape):
        """Same as the input shape (the axes must exist)."""
        self._check_axes(input_shape)
        return input_shape

    def get_config(self) -> dict:
        """Keras 3's config: axis and epsilon."""
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config

    def extra_repr(self) -> str:
        return f"name={self.name!r}, axis={self.axis}, epsilon={self.epsilon}"
