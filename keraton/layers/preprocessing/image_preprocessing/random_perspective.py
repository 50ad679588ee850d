"""``RandomPerspective``: warp images by a random perspective (corner shifts) during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.affine import INTERPOLATIONS
from keraton.layers.preprocessing.image_preprocessing.box_ops import (
    boxes_in,
    boxes_out,
    with_boxes,
)
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
    check_unit_factor,
)


class RandomPerspective(TransformationAugmentation):
    """Warp images by a random perspective in training, as ``keras.layers.RandomPerspective``.

    Each image is warped with a probability drawn uniform in ``factor``'s
    ``(lower, upper)`` (a number ``f`` means ``(0, f)``).  The warp moves the
    corners ``(0, 0), (W-1, 0), (0, H-1), (W-1, H-1)`` to ``p + p * u`` with
    ``u`` uniform in ``[-scale/2, scale/2]`` per coordinate (Keras's rule: the
    top-left corner stays), and samples the input through the homography;
    points outside the image take ``fill_value``.  Identity in inference.

    With Keras's dict input each box (in ``bounding_box_format``) of a warped
    image becomes the box enclosing its four corners mapped through the
    warp, clipped to the image (empty boxes get the label -1); segmentation
    masks are warped with nearest sampling.  Keras 3.15.1 returns these boxes
    in ``xyxy`` whatever ``bounding_box_format`` is; keraton converts them
    back to ``bounding_box_format`` (the same for ``'xyxy'``).

    Args:
        factor: a number or a pair in ``[0, 1]``: probability of the warp (default 1).
        scale: a number in ``[0, 1]``: size of the corner shifts (default 1).
        interpolation: ``'bilinear'`` (default) or ``'nearest'``.
        fill_value: value of the points outside the image (default 0).
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        bounding_box_format: format of the boxes of a dict input (e.g. ``'xyxy'``).

    Example:
        >>> layer = RandomPerspective(scale=0.5, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_unit_factor(factor, "factor", self.name)
        if scale < 0.0 or scale > 1.0:
            raise ValueError(f"Layer '{self.name}': the `scale` argument should be a number in the "
                             f"range [0,1]. Received: scale={scale!r}")
        if interpolation not in INTERPOLATIONS:
            # Keras raises NotImplementedError here.
            raise NotImplementedError(f"Layer '{self.name}': unknown `interpolation` {interpolation!r}. "
                                      f"Expected one of {INTERPOLATIONS}.")
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = interpolation

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"apply_perspective", "start_points", "end_points", "input_shape"}`` as Keras draws them."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_size(images)
        height_axis, width_axis, _ = self._spatial_axes()
        height, width = images.shape[height_axis], images.shape[width_axis]
        generator = self._generator_for(seed)
        probability = self._rand((batch,), self.factor[0], self.factor[1], generator)
        apply = self._rand((batch,), 0.0, 1.0, generator) < probability
        shifts = self._rand((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale, generator)
        corners = torch.tensor([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1], [width - 1, height - 1]],
                               dtype=self._dtype)
        start = corners.expand(batch, 4, 2)
        device = images.device
        return {"apply_perspective": apply.to(device), "start_points": start.to(device),
                "end_points": (start + start * shifts).to(device), "input_shape": tuple(images.shape)}

    def _warp(self, images, transformation, interpolation):
        start = torch.as_tensor(transformation["start_points"])
        end = torch.as_tensor(transformation["end_points"])
        from keraton.ops.image import perspective_transform  # lazy: keraton.ops imports the layers

        warped = perspective_transform(self._channels_last(images), start, end, interpolation,
                                       self.fill_value, data_format="channels_last")
        apply = torch.as_tensor(transformation["apply_perspective"]).to(images.device)
        return torch.where(apply.view(-1, 1, 1, 1), self._from_channels_last(warped), images)

    def transform_images(self, images, transformation, training=True):
        """Warp the images drawn for it through their homographies."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        return self._warp(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Warp masks as their images, with nearest sampling in the masks' dtype.

        As Keras, the corner points are cast to the masks' dtype first (an
        integer mask warps through truncated points).
        """
        if not training or transformation is None:
            return segmentation_masks
        return self._warp(torch.as_tensor(segmentation_masks), transformation, "nearest")

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """The boxes enclosing the warped corners of ``(batch, N, 4)`` boxes, clipped to the image."""
        if not training or transformation is None:
            return bounding_boxes
        from keraton.ops.image_resampling import _homography  # lazy: keraton.ops imports the layers

        height, width = self._height_width(transformation["input_shape"])
        bounding_boxes = boxes_in(self, bounding_boxes, "xyxy", height, width)
        boxes = bounding_boxes["boxes"]
        start = torch.as_tensor(transformation["start_points"]).to(torch.float32)
        end = torch.as_tensor(transformation["end_points"]).to(torch.float32)
        matrix = _homography(start, end, torch.float32).to(self._dtype)
        matrix = torch.cat([matrix, torch.ones_like(matrix[:, :1])], dim=-1).reshape(-1, 1, 3, 3)
        inverse = torch.linalg.inv(matrix)  # output -> input map inverted: input -> output
        x1, y1, x2, y2 = torch.split(boxes.to(self._dtype), 1, dim=-1)
        xs, ys = [], []
        for x, y in ((x1, y1), (x2, y2), (x1, y2), (x2, y1)):
            points = torch.cat([x, y, torch.ones_like(x)], dim=-1).transpose(-1, -2)  # (batch, 3, N)
            moved = (inverse @ points.unsqueeze(1)).squeeze(1).transpose(-1, -2)
            xs.append(moved[..., 0] / moved[..., 2])
            ys.append(moved[..., 1] / moved[..., 2])
        xs, ys = torch.stack(xs, dim=-1), torch.stack(ys, dim=-1)
        warped = torch.stack([xs.amin(-1), ys.amin(-1), xs.amax(-1), ys.amax(-1)], dim=-1)
        apply = torch.as_tensor(transformation["apply_perspective"]).to(warped.device).view(-1, 1, 1)
        boxes = torch.where(apply, warped, boxes.to(warped.dtype))
        return boxes_out(self, with_boxes(bounding_boxes, boxes), "xyxy", height, width)

    def get_config(self) -> dict:
        """Keras's config: ``factor`` (the pair), ``scale``, ``interpolation``, ``fill_value``, ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "interpolation": self.interpolation,
                       "fill_value": self.fill_value, "seed": self.seed})
        return config
