"""``RandomTranslation``: shift images (and their boxes and masks) by a random offset during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.box_ops import (
    boxes_in,
    boxes_out,
    with_boxes,
)
from keraton.layers.preprocessing.image_preprocessing.random_rotation import (
    check_fill_and_interpolation,
)
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    AffineAugmentation,
)


class RandomTranslation(AffineAugmentation):
    """Shift each image by a random offset in training, as ``keras.layers.RandomTranslation``.

    Per image the vertical shift is ``u * height`` pixels, ``u`` uniform in
    ``height_factor``'s ``(lower, upper)`` (a number ``f`` means ``(-f, f)``;
    positive moves the content down), and likewise for the width (positive
    moves it right).  Identity in inference.  With Keras's dict input the
    boxes (in ``bounding_box_format``) shift by the same offset and are
    clipped to the image (empty boxes get the label -1), and segmentation
    masks are shifted with nearest sampling (their dtype kept), as Keras.

    Args:
        height_factor, width_factor: numbers or pairs in ``[-1, 1]``.
        fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.
        bounding_box_format: format of the boxes of a dict input (e.g. ``'xyxy'``).

    Example:
        >>> layer = keraton.layers.RandomTranslation((0.25, 0.25), 0.0, fill_mode="constant")
        >>> layer(torch.ones(1, 4, 4, 1), training=True)[0, :, 0, 0]
        tensor([0., 1., 1., 1.])
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height_range = standardize_factor(height_factor, "height_factor", self.name)
        self._width_range = standardize_factor(width_factor, "width_factor", self.name)
        check_fill_and_interpolation(self.name, fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"translations": (batch, 2) [dx, dy] in pixels, "input_shape": ...}`` as Keras draws it."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_size(images)
        height, width = self._height_width(images.shape)
        generator = self._generator_for(seed)
        dy = self._rand((batch, 1), *self._height_range, generator) * height
        dx = self._rand((batch, 1), *self._width_range, generator) * width
        return {"translations": torch.cat([dx, dy], dim=1).to(torch.float32).to(images.device),
                "input_shape": tuple(images.shape)}

    @staticmethod
    def _matrix(translations: torch.Tensor) -> torch.Tensor:
        ones, zeros = torch.ones_like(translations[:, 0]), torch.zeros_like(translations[:, 0])
        return torch.stack([ones, zeros, -translations[:, 0], zeros, ones, -translations[:, 1], zeros, zeros],
                           dim=1)

    def _affine_matrix(self, images, transformation):
        return self._matrix(torch.as_tensor(transformation["translations"]).to(images.device))

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Shift ``(batch, N, 4)`` boxes by the images' offsets and clip them to the image."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._height_width(transformation["input_shape"])
        bounding_boxes = boxes_in(self, bounding_boxes, "xyxy", height, width)
        boxes = bounding_boxes["boxes"]
        shift = torch.as_tensor(transformation["translations"]).to(boxes.device, boxes.dtype)
        shift = torch.cat([shift, shift], dim=-1).unsqueeze(1)  # (batch, 1, 4): dx, dy, dx, dy
        return boxes_out(self, with_boxes(bounding_boxes, boxes + shift), "xyxy", height, width)

    def get_config(self) -> dict:
        """Keras's config: the factors as given, fill and interpolation settings, ``seed``."""
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                       "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "seed": self.seed, "fill_value": self.fill_value})
        return config
