"""What the Keras 3 color augmentation layers share: the color maths and a base with Keras's transform API.

The colour-space conversions are Keras's torch backend (``ops.image.rgb_to_hsv``,
``hsv_to_rgb``, ``rgb_to_grayscale``) op for op, so a transformation drawn by a
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
    """``(..., 3)`` RGB (or ``(..., 1)``) channels_last images to one luma channel, as Keras on torch."""
    channels = images.shape[-1]
    if channels == 1:
        return images.clone()
    if channels != 3:
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape: images.shape={tuple(images.shape)}")
    r, g, b = images.unbind(dim=-1)
    return (0.2989 * r + 0.587 * g + 0.114 * b).to(images.dtype).unsqueeze(-1)


def _check_rgb(images: torch.Tensor, what: str) -> None:
    if images.shape[-1] != 3:
        raise ValueError(f"{what} expects RGB images with 3 channels; received images of shape "
                         f"{tuple(images.shape)} (channels last inside the layer).")


def rgb_to_hsv(images: torch.Tensor) -> torch.Tensor:
    """Channels_last float RGB to HSV (hue and saturation in ``[0, 1]``, value the channel maximum)."""
    _check_rgb(images, "rgb_to_hsv")
    eps = torch.finfo(images.dtype).eps
    images = torch.where(torch.abs(images) < eps, 0.0, images)
    r, g, b = images.unbind(dim=-1)
    value = torch.maximum(torch.maximum(r, g), b)
    range_ = value - torch.minimum(torch.minimum(r, g), b)
    safe_value = torch.where(value > 0, value, 1.0)
    safe_range = torch.where(range_ > 0, range_, 1.0)
    saturation = torch.where(value > 0, range_ / safe_value, 0.0)
    norm = 1.0 / (6.0 * safe_range)
    hue = torch.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = torch.where(value == r, norm * (g - b), hue)
    hue = torch.where(range_ > 0, hue, 0.0) + (hue < 0.0).to(hue.dtype)
    return torch.stack([hue, saturation, value], dim=-1)


def hsv_to_rgb(images: torch.Tensor) -> torch.Tensor:
    """Channels_last HSV back to RGB (the inverse of ``rgb_to_hsv``)."""
    _check_rgb(images, "hsv_to_rgb")
    hue, saturation, value = images.unbind(dim=-1)
    dh = torch.remainder(hue, 1.0) * 6.0
    dr = torch.clip(torch.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = torch.clip(2.0 - torch.abs(dh - 2.0), 0.0, 1.0)
    db = torch.clip(2.0 - torch.abs(dh - 4.0), 0.0, 1.0)
    one_minus_s = 1.0 - saturation
    return torch.stack([value * (one_minus_s + saturation * d) for d in (dr, dg, db)], dim=-1)


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
