"""What the Keras 3 color augmentation layers share: the color maths and a base with Keras's transform API.

The colour-space conversions are ``keraton.ops.image``'s (Keras's ``rgb_to_hsv``,
``hsv_to_rgb``, ``rgb_to_grayscale``, op for op), so a transformation drawn by a
Keras layer and applied here gives Keras's numbers.
"""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import (
    BaseRandomAugmentation,
)

_VALUE_RANGE_ERROR = "The `value_range` argument should be a list of two numbers. "


def standardize_value_range(value_range, layer_name: str) -> list:
    """Keras's ``_set_value_range``: a pair of numbers, returned sorted as a list."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"Layer '{layer_name}': {_VALUE_RANGE_ERROR}Received: value_range={value_range!r}")
    return sorted(value_range)


def transform_value_range(images: torch.Tensor, original_range, target_range) -> torch.Tensor:
    """Keras's ``_transform_value_range`` in float32: a linear map from one range onto another."""
    if original_range[0] == target_range[0] and original_range[1] == target_range[1]:
        return images
    images = images.to(torch.float32)
    o_min, o_max = (torch.tensor(v, dtype=torch.float32) for v in original_range)
    t_min, t_max = (torch.tensor(v, dtype=torch.float32) for v in target_range)
    images = (images - o_min) / (o_max - o_min)
    return images * (t_max - t_min) + t_min


def rgb_to_grayscale(images: torch.Tensor) -> torch.Tensor:
    """``(..., 3)`` RGB (or ``(..., 1)``) channels_last images to one luma channel (``ops.image``)."""
    from keraton.ops import image as image_ops  # lazy: keraton.ops imports the layers

    return image_ops.rgb_to_grayscale(images, data_format="channels_last")


def rgb_to_hsv(images: torch.Tensor) -> torch.Tensor:
    """Channels_last float RGB to HSV, each in ``[0, 1]`` (``ops.image.rgb_to_hsv``)."""
    from keraton.ops import image as image_ops  # lazy: keraton.ops imports the layers

    return image_ops.rgb_to_hsv(images, data_format="channels_last")


def hsv_to_rgb(images: torch.Tensor) -> torch.Tensor:
    """Channels_last HSV back to RGB (``ops.image.hsv_to_rgb``)."""
    from keraton.ops import image as image_ops  # lazy: keraton.ops imports the layers

    return image_ops.hsv_to_rgb(images, data_format="channels_last")


def uniform(shape, low, high, generator) -> torch.Tensor:
    """Uniform draws in ``[low, high)`` from ``generator`` (torch's global one when ``None``)."""
    return low + (high - low) * torch.rand(shape, generator=generator)


def batch_size_of(data) -> int:
    """Keras's batch size of an image input (1 for a single rank-3 image)."""
    images = data["images"] if isinstance(data, dict) else data
    shape = tuple(images.shape)
    if len(shape) not in (3, 4):
        raise ValueError(f"Expected the input image to be rank 3 or 4. Received: inputs.shape={shape}")
    return shape[0] if len(shape) == 4 else 1


class BaseColorAugmentation(BaseRandomAugmentation):
    """A random augmentation split as Keras's: draw a transformation, then apply it (not a public layer).

    A subclass writes ``_draw(batch_size, generator)`` (the transformation,
    with Keras's keys) and ``_transform(images, transformation)`` on a
    channels_last float batch.  ``get_random_transformation`` and
    ``transform_images`` are Keras's public hooks: a transformation drawn by
    the Keras layer (its tensors) can be applied here and gives Keras's image.
    """

    def _draw(self, batch_size: int, generator):
        raise NotImplementedError

    def _transform(self, images: torch.Tensor, transformation) -> torch.Tensor:
        raise NotImplementedError

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        return self._transform(images, self._draw(images.shape[0], self._generator))

    def get_random_transformation(self, data, training=True, seed=None):
        """The random parameters for ``data`` (an image, a batch or ``{'images': ...}``); ``None`` in inference.

        ``seed`` (an int) draws from a fresh generator instead of the layer's.
        """
        if not training:
            return None
        generator = self._generator if seed is None else torch.Generator().manual_seed(int(seed))
        return self._draw(batch_size_of(data), generator)

    def _apply_images(self, images, transformation):
        return self.transform_images(images, transformation)

    def transform_images(self, images, transformation, training=True):
        """Apply ``transformation`` (this layer's or a Keras layer's) to images in the layer's data_format."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training:
            return images
        single = images.dim() == 3
        x = images.unsqueeze(0) if single else images
        if self.data_format == "channels_first":
            x = x.permute(0, 2, 3, 1)
        x = self._transform(x, transformation)
        if self.data_format == "channels_first":
            x = x.permute(0, 3, 1, 2)
        return x.squeeze(0) if single else x


def as_tensor(value, like: torch.Tensor, dtype=None) -> torch.Tensor:
    """A transformation entry (ours or Keras's) as a tensor on ``like``'s device."""
    return torch.as_tensor(value, device=like.device, dtype=dtype)


def per_image(value, like: torch.Tensor) -> torch.Tensor:
    """A per-image factor (shape ``(B,)`` or ``(B, 1, 1, 1)``) as ``(B, 1, 1, 1)`` in ``like``'s dtype."""
    return as_tensor(value, like).to(like.dtype).reshape(-1, 1, 1, 1)
