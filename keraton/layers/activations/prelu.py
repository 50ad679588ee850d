"""``PReLU``: leaky ReLU with a learned slope per input entry."""

from __future__ import annotations

import torch.nn.functional as F

from keraton import constraints, initializers, regularizers
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.saving.serialization_lib import serialize_keras_object


class PReLU(Layer):
    """Parametric ReLU, as ``keras.layers.PReLU``: ``x`` if ``x >= 0`` else ``alpha * x``.

    ``alpha`` has the input's shape without the batch axis, with size 1 on
    the ``shared_axes`` (1-based, as Keras: ``shared_axes=[1, 2]`` shares one
    slope per channel over the spatial axes of an image).

    Args:
        alpha_initializer: initializer of ``alpha`` (Keras default ``'Zeros'``).
        alpha_regularizer, alpha_constraint: penalty and projection of ``alpha``.
        shared_axes: axis or axes along which ``alpha`` is shared.

    Example:
        >>> layer = keraton.layers.PReLU(alpha_initializer="ones")
        >>> layer(torch.tensor([[-2.0, 3.0]]))
        tensor([[-2.,  3.]], grad_fn=...)
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape) -> None:
        """Create ``alpha`` of shape ``input_shape[1:]`` with 1 on the shared axes."""
        param_shape = list(input_shape[1:])
        for i in self.shared_axes or ():
            if not 1 <= i < len(input_shape):
                raise ValueError(
                    f"Layer '{self.name}' (PReLU): shared_axes must be axes 1..{len(input_shape) - 1} "
                    f"of the input, got shared_axes={self.shared_axes} for input shape "
                    f"{tuple(input_shape)}."
                )
            param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f"Layer '{self.name}' (PReLU) needs known sizes on the non-shared axes, got input "
                f"shape {tuple(input_shape)}; share the unknown axes with shared_axes."
            )
        self.alpha = self.add_weight(shape=param_shape, name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        shared = set(self.shared_axes or ())
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in shared}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        """Return ``relu(x) - alpha * relu(-x)``."""
        return F.relu(inputs) - self.alpha * F.relu(-inputs)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape

    def get_config(self) -> dict:
        """Keras's PReLU config."""
        config = super().get_config()
        config.update({
            "alpha_initializer": serialize_keras_object(self.alpha_initializer),
            "alpha_regularizer": serialize_keras_object(self.alpha_regularizer),
            "alpha_constraint": serialize_keras_object(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
