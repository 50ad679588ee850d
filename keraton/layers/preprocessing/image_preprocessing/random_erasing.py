"""``RandomErasing``: replace a random rectangle of each image by a value or noise during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
    check_unit_factor,
)


def crop_bounds(ratio: torch.Tensor, length: int, generator, dtype) -> tuple:
    """Keras's ``_compute_crop_bounds``: a band of ``ratio * length`` at a uniform start."""
    crop = ratio * length
    start = torch.rand(ratio.shape, generator=generator, dtype=dtype) * (length - crop)
    return start, start + crop


def box_masks(images_shape, box, data_format: str) -> torch.Tensor:
    """Boolean masks ``x0 <= x < x1 and y0 <= y < y1`` of shape ``(batch,) + image shape`` (Keras's)."""
    x0, x1, y0, y1 = (v.reshape(-1, 1, 1, 1) for v in box)
    dtype = x0.dtype
    if data_format == "channels_first":
        height, width, channels = images_shape[-2], images_shape[-1], images_shape[-3]
        grid_y = torch.arange(height, dtype=dtype, device=x0.device).view(1, 1, height, 1)
        grid_x = torch.arange(width, dtype=dtype, device=x0.device).view(1, 1, 1, width)
        repeat = (1, channels, 1, 1)
    else:
        height, width, channels = images_shape[-3], images_shape[-2], images_shape[-1]
        grid_y = torch.arange(height, dtype=dtype, device=x0.device).view(1, height, 1, 1)
        grid_x = torch.arange(width, dtype=dtype, device=x0.device).view(1, 1, width, 1)
        repeat = (1, 1, 1, channels)
    masks = (grid_x >= x0) & (grid_x < x1) & (grid_y >= y0) & (grid_y < y1)
    return masks.repeat(repeat)


class RandomErasing(TransformationAugmentation):
    """Erase a random rectangle of each image in training, as ``keras.layers.RandomErasing``.

    Per image, the relative width and height of the rectangle are the square
    roots of two draws uniform in ``scale``, its position is uniform inside
    the image, and the image is erased with a probability drawn uniform in
    ``factor``'s ``(lower, upper)`` (a number ``f`` means ``(0, f)``).  The
    rectangle takes ``fill_value`` (a number, or three numbers per channel),
    or, when it is ``None``, Gaussian noise times ``value_range[1]``; either
    is clipped to ``value_range``.  Identity in inference.

    Args:
        factor: a number or a pair in ``[0, 1]``: probability of erasing (default 1).
        scale: a number or a pair in ``[0, 1]`` (default ``(0.02, 0.33)``).
        fill_value: ``None`` (noise, default), a number or a list of three numbers.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = RandomErasing(fill_value=0.0, seed=0)
        >>> layer(torch.full((2, 8, 8, 3), 100.0), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_unit_factor(factor, "factor", self.name)
        self.scale = check_unit_factor(scale, "scale", self.name)
        self.fill_value = fill_value
        self.value_range = value_range

    def _fill(self, images_shape, generator) -> torch.Tensor:
        fill_value = self.fill_value
        if fill_value is None:
            fill = torch.randn(tuple(images_shape), generator=generator, dtype=self._dtype) * self.value_range[1]
        elif isinstance(fill_value, (tuple, list)):
            if len(fill_value) != 3:
                raise ValueError(f"Layer '{self.name}': the `fill_value` argument should be a number (or "
                                 f"a list of three numbers). Received: fill_value={fill_value!r}")
            fill = torch.ones(tuple(images_shape), dtype=self._dtype) * torch.tensor(fill_value, dtype=self._dtype)
        elif isinstance(fill_value, (int, float)):
            fill = torch.ones(tuple(images_shape), dtype=self._dtype) * fill_value
        else:
            raise ValueError(f"Layer '{self.name}': the `fill_value` argument should be a number (or a "
                             f"list of three numbers). Received: fill_value={fill_value!r}")
        return fill.clamp(self.value_range[0], self.value_range[1])

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"apply_erasing": (batch,), "batch_masks": images-shaped bool, "fill_value": ...}`` as Keras."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_size(images)
        height_axis, width_axis, _ = self._spatial_axes()
        generator = self._generator_for(seed)
        ratios = torch.sqrt(self._rand((batch, 2), self.scale[0], self.scale[1], generator))
        x0, x1 = crop_bounds(ratios[:, 0], images.shape[width_axis], generator, self._dtype)
        y0, y1 = crop_bounds(ratios[:, 1], images.shape[height_axis], generator, self._dtype)
        masks = box_masks(images.shape, (x0, x1, y0, y1), self.data_format)
        probability = self._rand((batch,), self.factor[0], self.factor[1], generator)
        apply = self._rand((batch,), 0.0, 1.0, generator) < probability
        fill = self._fill(images.shape, generator)
        device = images.device
        return {"apply_erasing": apply.to(device), "batch_masks": masks.to(device), "fill_value": fill.to(device)}

    def transform_images(self, images, transformation, training=True):
        """Erase the masked rectangles of the images drawn for erasing."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        device = images.device
        masks = torch.as_tensor(transformation["batch_masks"]).to(device)
        apply = torch.as_tensor(transformation["apply_erasing"]).to(device)
        fill = torch.as_tensor(transformation["fill_value"]).to(device, self._dtype)
        erased = torch.where(masks, fill, images)
        return torch.where(apply.view(-1, 1, 1, 1), erased, images)

    def get_config(self) -> dict:
        """Keras's config: ``factor`` and ``scale`` as pairs, ``fill_value``, ``value_range``, ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "fill_value": self.fill_value,
                       "value_range": self.value_range, "seed": self.seed})
        return config
