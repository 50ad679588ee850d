"""``RandomShear``: shear images along x and/or y by random amounts during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.affine import (
    FILL_MODES,
    INTERPOLATIONS,
)
from keraton.layers.preprocessing.image_preprocessing.box_ops import (
    boxes_in,
    boxes_out,
    with_boxes,
)
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    AffineAugmentation,
)


def check_shear_factor(factor, name: str, layer_name: str) -> tuple:
    """Keras's ``RandomShear._set_factor_with_name``: values in ``[0, 1]``; a number ``f`` is ``(-f, f)``."""
    message = (f"Layer '{layer_name}': the `{name}` argument should be a number (or a list of two "
               f"numbers) in the range [0, 1.0]. Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message)
        values = factor
    elif isinstance(factor, (int, float)):
        values = (factor,)
    else:
        raise ValueError(message)
    for value in values:
        if value > 1.0 or value < 0.0:
            raise ValueError(message)
    if isinstance(factor, (tuple, list)):
        return tuple(sorted(factor))
    factor = abs(factor)
    return (-factor, factor)


class RandomShear(AffineAugmentation):
    """Shear each image by random amounts in training, as ``keras.layers.RandomShear``.

    Per image, ``s_x`` is uniform in ``x_factor``'s ``(lower, upper)`` and
    ``s_y`` in ``y_factor``'s, and both change sign together with
    probability 1/2; an output pixel ``(x, y)`` samples the input at
    ``(x + s_x y, s_y x + y)`` (Keras's matrix, about the top-left corner).
    As Keras, a number ``f`` gives the range ``(-f, f)`` and a pair must lie
    in ``[0, 1]``.  Points outside the image follow ``fill_mode``.  Identity
    in inference.  With Keras's dict input the boxes (in
    ``bounding_box_format``) are sheared by Keras's corner rule in
    ``rel_xyxy`` and clipped (empty boxes get the label -1); segmentation
    masks are sheared with nearest sampling.

    Args:
        x_factor, y_factor: a number or a pair ``(lower, upper)`` in ``[0, 1]``
            (default 0: no shear along that axis).
        interpolation: ``'bilinear'`` (default) or ``'nearest'``.
        fill_mode: ``'reflect'`` (default), ``'wrap'``, ``'constant'`` or ``'nearest'``.
        fill_value: value outside the image with ``fill_mode='constant'``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: integer seed of the layer's random generator.
        bounding_box_format: format of the boxes of a dict input (e.g. ``'xyxy'``).

    Example:
        >>> layer = RandomShear(x_factor=0.3, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.x_factor = check_shear_factor(x_factor, "x_factor", self.name)
        self.y_factor = check_shear_factor(y_factor, "y_factor", self.name)
        # Keras raises NotImplementedError for these two.
        if fill_mode not in FILL_MODES:
            raise NotImplementedError(f"Layer '{self.name}': unknown `fill_mode` {fill_mode!r}. "
                                      f"Expected one of {FILL_MODES}.")
        if interpolation not in INTERPOLATIONS:
            raise NotImplementedError(f"Layer '{self.name}': unknown `interpolation` {interpolation!r}. "
                                      f"Expected one of {INTERPOLATIONS}.")
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"shear_factor": (batch, 2) [s_x, s_y], "input_shape": ...}`` as Keras draws it."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_size(images)
        generator = self._generator_for(seed)
        invert = torch.where(self._rand((batch, 1), 0.0, 1.0, generator) > 0.5, -1.0, 1.0)
        shear_y = self._rand((batch, 1), self.y_factor[0], self.y_factor[1], generator)
        shear_x = self._rand((batch, 1), self.x_factor[0], self.x_factor[1], generator)
        shear = torch.cat([shear_x, shear_y], dim=1) * invert.to(self._dtype)
        return {"shear_factor": shear.to(images.device), "input_shape": tuple(images.shape)}

    def _affine_matrix(self, images, transformation):
        shear = torch.as_tensor(transformation["shear_factor"]).to(images.device, self._dtype)
        ones, zeros = torch.ones_like(shear[:, 0]), torch.zeros_like(shear[:, 0])
        return torch.stack([ones, shear[:, 0], zeros, shear[:, 1], ones, zeros, zeros, zeros], dim=1)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Shear ``(batch, N, 4)`` boxes by Keras's corner rule (in ``rel_xyxy``) and clip them."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._height_width(transformation["input_shape"])
        bounding_boxes = boxes_in(self, bounding_boxes, "rel_xyxy", height, width)
        boxes = bounding_boxes["boxes"].to(self._dtype)
        shear = torch.as_tensor(transformation["shear_factor"]).to(boxes.device, self._dtype)
        sx, sy = shear[:, 0:1], shear[:, 1:2]  # (batch, 1) against (batch, N)
        x1, y1, x2, y2 = boxes.unbind(-1)
        x1 = torch.where(sx < 0, x1 - sx * y1, x1 - sx * y2)
        x2 = torch.where(sx < 0, x2 - sx * y2, x2 - sx * y1)
        y1 = torch.where(sy > 0, y1 - sy * x2, y1 - sy * x1)
        y2 = torch.where(sy > 0, y2 - sy * x1, y2 - sy * x2)
        bounding_boxes = with_boxes(bounding_boxes, torch.stack([x1, y1, x2, y2], dim=-1))
        return boxes_out(self, bounding_boxes, "rel_xyxy", height, width, clip_format="rel_xyxy")

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild the layer; a symmetric range ``(-f, f)`` (what a number ``f`` becomes) is read as ``f``.

        Keras 3.15 writes ``x_factor=0.4`` as ``(-0.4, 0.4)`` and then refuses
        that pair in its own ``from_config``; keraton reads it back.
        """
        config = dict(config)
        for key in ("x_factor", "y_factor"):
            factor = config.get(key)
            if isinstance(factor, (tuple, list)) and len(factor) == 2 and factor[0] == -factor[1] <= 0:
                config[key] = factor[1]
        return cls(**config)

    def get_config(self) -> dict:
        """Keras's config: the factor ranges, fill and interpolation settings, ``seed``, ``data_format``."""
        config = super().get_config()
        config.update({"x_factor": self.x_factor, "y_factor": self.y_factor, "fill_mode": self.fill_mode,
                       "interpolation": self.interpolation, "seed": self.seed,
                       "fill_value": self.fill_value, "data_format": self.data_format})
        return config
