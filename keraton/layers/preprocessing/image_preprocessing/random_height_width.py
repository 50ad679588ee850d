"""``RandomHeight`` / ``RandomWidth``: tf.keras 2's layers resizing one image axis by a random factor.

Keras 2 preprocessing layers (``tf.keras.layers.RandomHeight``, also under
``layers.experimental.preprocessing``), dropped by Keras 3.
"""

from __future__ import annotations

import torch

from keraton import backend
from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.layers.preprocessing.image_preprocessing.tf_resize import (
    TF_RESIZE_METHODS,
    tf_resize_images,
)


class _RandomAxisResize(Layer):
    """Resize axis ``_axis`` (-3 height, -2 width) of channels-last images by a random factor in training."""

    _axis = -3
    _argument = "height"

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(f"{name}: `factor` must be a number or a pair (lower, upper). "
                                 f"Received: factor={factor!r}")
            lower, upper = factor
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            lower, upper = -factor, factor
        else:
            raise ValueError(f"{name}: `factor` must be a number or a pair (lower, upper). "
                             f"Received: factor={factor!r}")
        if upper < lower:
            raise ValueError(f"{name}: `factor` argument cannot have an upper bound less than the lower "
                             f"bound. Received: factor={factor!r}")
        if lower < -1.0 or upper < -1.0:
            raise ValueError(f"{name}: `factor` argument must have values larger than -1. "
                             f"Received: factor={factor!r}")
        if interpolation not in TF_RESIZE_METHODS:
            raise NotImplementedError(f"{name}: unknown `interpolation` {interpolation!r}; expected one of "
                                      f"{list(TF_RESIZE_METHODS)}.")
        self.factor = factor
        self.lower, self.upper = float(lower), float(upper)
        self.interpolation = interpolation
        self.seed = seed
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        self.input_spec = InputSpec(min_ndim=3, max_ndim=4)
        self.built = True

    def _factor_bounds(self):
        return (torch.tensor(1.0 + self.lower, dtype=torch.float32),
                torch.tensor(1.0 + self.upper, dtype=torch.float32))

    def _scaled(self, factor, size: int) -> int:
        # tf.keras 2 draws the factor in float32 and truncates factor * size to an int.
        return max(int(factor * torch.tensor(float(size), dtype=torch.float32)), 1)

    def _new_size(self, size: int) -> int:
        low, high = self._factor_bounds()
        return self._scaled(low + (high - low) * torch.rand((), generator=self._generator), size)

    def call(self, inputs, training=True):
        """Resize the axis by a random factor when training; return the input unchanged otherwise."""
        if isinstance(inputs, dict):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) takes an image tensor or a batch "
                             f"of images, not a dict (received keys {sorted(inputs)}).")
        inputs = torch.as_tensor(inputs)
        if inputs.dim() not in (3, 4):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects images of rank 3 or 4 "
                             f"(channels last); received input of shape {tuple(inputs.shape)}.")
        if not training:
            return inputs
        size = [inputs.shape[-3], inputs.shape[-2]]
        index = 0 if self._axis == -3 else 1
        size[index] = self._new_size(size[index])
        return tf_resize_images(inputs, size, self.interpolation).to(backend.torch_dtype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        """The input shape with the resized axis unknown (``None``), as tf.keras 2.

        Where every draw keeps the size (e.g. ``factor=(0, 0.1)`` on 5 rows)
        the size is known and kept, rather than tf.keras 2's ``None``.
        """
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects images of rank 3 or 4; "
                             f"received input shape {tuple(input_shape)}.")
        size = shape[self._axis]
        if size is None or any(self._scaled(bound, size) != size for bound in self._factor_bounds()):
            shape[self._axis] = None
        return tuple(shape)

    def get_config(self) -> dict:
        """tf.keras 2's config: ``factor``, ``interpolation``, ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "interpolation": self.interpolation, "seed": self.seed})
        return config


class RandomHeight(_RandomAxisResize):
    """Resize image height by a random factor in training, as tf.keras 2's ``layers.RandomHeight``.

    In training the height becomes ``int(f * height)`` with ``f`` uniform in
    ``[1 + lower, 1 + upper]`` (one draw per call, for the whole batch), and
    the batch is resized with TensorFlow's ``tf.image.resize`` kernels
    (``tf_resize``), giving float outputs; in inference the input is returned
    unchanged (``predict``, ``training=False``).  A bare ``layer(x)`` resizes,
    as in tf.keras 2.  The draws come from a ``torch.Generator`` seeded with
    ``seed`` (else torch's global one), not TensorFlow's random stream.

    Args:
        factor: ``f`` for ``[-f, f]``, or ``(lower, upper)`` (values above -1):
            the fractions by which the height may change.
        interpolation: ``'bilinear'`` (default), ``'nearest'``, ``'bicubic'``,
            ``'area'``, ``'lanczos3'``, ``'lanczos5'``, ``'gaussian'`` or ``'mitchellcubic'``.
        seed: integer seed.

    Input shape: ``(..., height, width, channels)`` of rank 3 or 4.
    Output shape: ``(..., new_height, width, channels)``.

    Example:
        >>> layer = keraton.layers.RandomHeight((0.5, 0.5))
        >>> layer(torch.rand(1, 4, 6, 3), training=True).shape
        torch.Size([1, 6, 6, 3])
    """

    _axis = -3


class RandomWidth(_RandomAxisResize):
    """Resize image width by a random factor in training, as tf.keras 2's ``layers.RandomWidth``.

    As ``RandomHeight`` on the width axis: ``int(f * width)`` columns with
    ``f`` uniform in ``[1 + lower, 1 + upper]``, TensorFlow's resize kernels,
    identity in inference.

    Args:
        factor: ``f`` for ``[-f, f]``, or ``(lower, upper)`` (values above -1).
        interpolation: one of ``tf.image.resize``'s eight methods (default ``'bilinear'``).
        seed: integer seed.

    Example:
        >>> layer = keraton.layers.RandomWidth((-0.5, -0.5))
        >>> layer(torch.rand(1, 4, 6, 3), training=True).shape
        torch.Size([1, 4, 3, 3])
    """

    _axis = -2
