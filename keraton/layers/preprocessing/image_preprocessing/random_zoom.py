"""``RandomZoom``: zoom images (and their boxes and masks) in or out by a random factor during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.base_augmentation import standardize_factor
from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    convert_format,
)
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


class RandomZoom(AffineAugmentation):
    """Zoom each image by a random factor in training, as ``keras.layers.RandomZoom``.

    Per image the height is scaled by ``1 + u``, ``u`` uniform in
    ``height_factor``'s ``(lower, upper)`` (a number ``f`` means ``(-f, f)``);
    positive values zoom out, negative zoom in.  The width uses
    ``width_factor``, or the height's draw when it is ``None`` (aspect kept).
    Identity in inference.  With Keras's dict input the boxes (in
    ``bounding_box_format``) are clipped to the part of the image still in
    view and scaled with it (empty boxes get the label -1), and segmentation
    masks are zoomed with nearest sampling, as Keras.

    Args:
        height_factor, width_factor: numbers or pairs in ``[-1, 1]``.
        fill_mode, interpolation, seed, fill_value, data_format: as ``RandomRotation``.
        bounding_box_format: format of the boxes of a dict input (e.g. ``'xyxy'``).

    Example:
        >>> layer = keraton.layers.RandomZoom((-0.5, -0.5))  # always 2x zoom in
        >>> layer(torch.rand(1, 8, 8, 3), training=True).shape
        torch.Size([1, 8, 8, 3])
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height_range = standardize_factor(height_factor, "height_factor", self.name)
        self._width_range = (standardize_factor(width_factor, "width_factor", self.name)
                             if width_factor is not None else None)
        check_fill_and_interpolation(self.name, fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"height_zoom": (batch, 1), "width_zoom": (batch, 1), "input_shape": ...}`` as Keras draws them."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = (self._batch_size(images), 1)
        generator = self._generator_for(seed)
        low, high = self._height_range
        height_zoom = self._rand(shape, 1.0 + low, 1.0 + high, generator)
        if self._width_range is not None:
            width_zoom = self._rand(shape, 1.0 + self._width_range[0], 1.0 + self._width_range[1], generator)
        else:
            width_zoom = height_zoom
        return {"height_zoom": height_zoom.to(images.device), "width_zoom": width_zoom.to(images.device),
                "input_shape": tuple(images.shape)}

    @staticmethod
    def _matrix(transformation, height, width) -> torch.Tensor:
        """Keras's ``(batch, 8)`` zoom matrix about the image center."""
        zoom_x = torch.as_tensor(transformation["width_zoom"]).to(torch.float32).reshape(-1)
        zoom_y = torch.as_tensor(transformation["height_zoom"]).to(torch.float32).reshape(-1)
        zeros = torch.zeros_like(zoom_x)
        return torch.stack([zoom_x, zeros, (width - 1.0) / 2.0 * (1.0 - zoom_x),
                            zeros, zoom_y, (height - 1.0) / 2.0 * (1.0 - zoom_y), zeros, zeros], dim=1)

    def _affine_matrix(self, images, transformation):
        height, width = self._height_width(images.shape)
        return self._matrix(transformation, height, width)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Clip ``(batch, N, 4)`` boxes to the zoomed view and rescale them (Keras's arithmetic)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._height_width(transformation["input_shape"])
        bounding_boxes = boxes_in(self, bounding_boxes, "xyxy", height, width)
        boxes = bounding_boxes["boxes"]
        m = self._matrix(transformation, height, width).to(boxes.device).unsqueeze(1)  # (batch, 1, 8)
        # The input points seen at the output corners (0, 0) and (width, height).
        w_start, h_start = m[..., 2:3], m[..., 5:6]
        w_end, h_end = m[..., 0:1] * width + m[..., 2:3], m[..., 4:5] * height + m[..., 5:6]
        x1, y1, x2, y2 = torch.split(boxes, 1, dim=-1)
        x1, x2 = (torch.minimum(torch.maximum(v, w_start), w_end) - w_start for v in (x1, x2))
        y1, y2 = (torch.minimum(torch.maximum(v, h_start), h_end) - h_start for v in (y1, y2))
        bounding_boxes = with_boxes(bounding_boxes, torch.cat([x1, y1, x2, y2], dim=-1))
        view_height, view_width = h_end - h_start, w_end - w_start
        bounding_boxes = convert_format(bounding_boxes, "xyxy", "rel_xyxy", view_height, view_width)
        return boxes_out(self, bounding_boxes, "rel_xyxy", height, width, clip_format="rel_xyxy")

    def get_config(self) -> dict:
        """Keras's config: the factors as given, fill and interpolation settings, ``seed``."""
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                       "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "seed": self.seed, "fill_value": self.fill_value})
        return config
