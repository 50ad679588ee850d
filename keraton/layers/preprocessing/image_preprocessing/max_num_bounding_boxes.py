"""``MaxNumBoundingBoxes``: pad or cut the boxes of each image to a fixed number."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from keraton.layers.preprocessing.image_preprocessing.base_image_preprocessing import (
    ImagePreprocessingLayer,
)


class MaxNumBoundingBoxes(ImagePreprocessingLayer):
    """Give every image exactly ``max_number`` boxes, as ``keras.layers.MaxNumBoundingBoxes``.

    Takes Keras's dict ``{"images", "bounding_boxes": {"boxes", "labels"},
    ...}`` and returns it with ``boxes`` ``(batch, max_number, 4)`` and
    ``labels`` ``(batch, max_number)``: the first ``max_number`` boxes are
    kept and missing ones are filled with ``fill_value`` (boxes and labels).
    Images, masks and labels are returned unchanged.  As Keras, the layer
    works in training and inference, a ``bounding_box_format`` must be given
    when boxes are passed, and the config holds ``max_number`` but not
    ``fill_value``.

    Args:
        max_number: number of boxes per image in the output.
        fill_value: value of the added boxes and labels (default -1).
        bounding_box_format: the boxes' format (required with boxes; not used otherwise).

    Example:
        >>> layer = MaxNumBoundingBoxes(max_number=4, bounding_box_format="xyxy")
        >>> out = layer({"images": torch.zeros(1, 8, 8, 3),
        ...              "bounding_boxes": {"boxes": torch.ones(1, 2, 4), "labels": torch.ones(1, 2)}})
        >>> out["bounding_boxes"]["boxes"].shape
        torch.Size([1, 4, 4])
    """

    _always_active = True

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)
        self.built = True

    def call(self, inputs, training=True):
        """Fix the number of boxes of a dict input; an image tensor is returned as it is."""
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training=True)
        return self._standardize_images(inputs, training)

    def _standardize_images(self, images, training):
        images = torch.as_tensor(images)
        if images.dim() not in (3, 4):
            raise ValueError(f"Layer '{self.name}': expected images of rank 3 (one image) or 4 (a batch), "
                             f"received input of shape {tuple(images.shape)}.")
        return images

    def _apply_images(self, images, transformation):
        return images

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """``(batch, N, 4)`` boxes and ``(batch, N)`` labels cut or padded to ``max_number``."""
        boxes = torch.as_tensor(bounding_boxes["boxes"])[:, :self.max_number]
        labels = torch.as_tensor(bounding_boxes["labels"])[:, :self.max_number]
        missing = self.max_number - boxes.shape[1]
        result = dict(bounding_boxes)
        result["boxes"] = F.pad(boxes, (0, 0, 0, missing), value=self.fill_value)
        result["labels"] = F.pad(labels, (0, missing), value=self.fill_value)
        return result

    def compute_output_shape(self, input_shape):
        """The input shapes, with ``max_number`` boxes (and labels) per image."""
        if not (isinstance(input_shape, dict) and "bounding_boxes" in input_shape):
            return input_shape
        extra_keys = set(input_shape["bounding_boxes"]) - {"boxes", "labels"}
        if extra_keys:
            raise KeyError(f"There are unsupported keys in `bounding_boxes`: {sorted(extra_keys)}. "
                           "Only `boxes` and `labels` are supported.")
        output_shape = copy.deepcopy(input_shape)
        for key in ("boxes", "labels"):
            shape = list(input_shape["bounding_boxes"][key])
            shape[1] = self.max_number
            output_shape["bounding_boxes"][key] = shape
        return output_shape

    def get_config(self) -> dict:
        """Keras's config: the base config and ``max_number`` (Keras leaves ``fill_value`` out)."""
        config = super().get_config()
        config["max_number"] = self.max_number
        return config
