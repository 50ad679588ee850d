"""``UpSampling1D``: repeat each time step ``size`` times (Keras's ``UpSampling1D``)."""

from __future__ import annotations

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.layers.reshaping.base_up_sampling import repeat_axes, scaled


class UpSampling1D(Layer):
    """Repeat each step of a ``(batch, steps, features)`` input ``size`` times, as ``keras.layers.UpSampling1D``.

    Args:
        size: the upsampling factor, a positive int (default 2).

    Shape:
        input ``(batch, steps, features)`` -> output ``(batch, steps * size, features)``.

    Example:
        >>> keraton.layers.UpSampling1D(2)(torch.tensor([[[1.0], [2.0]]]))[0, :, 0]
        tensor([1., 1., 2., 2.])
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"UpSampling1D expects an integer value for `size`, got "
                            f"{type(size).__name__}.")
        if size <= 0:
            raise ValueError(f"UpSampling1D argument `size` should be a positive integer. "
                             f"Received: size={size}.")
        self.size = size
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def call(self, inputs):
        """Repeat each step ``size`` times."""
        return repeat_axes(inputs, 1, (self.size,))

    def compute_output_shape(self, input_shape):
        """``(batch, steps * size, features)``."""
        return (input_shape[0], scaled(input_shape[1], self.size), input_shape[2])

    def get_config(self) -> dict:
        """Keras 3's config: size."""
        config = super().get_config()
        config["size"] = self.size
        return config
