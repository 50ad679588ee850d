"""Helpers the geometric layers share to move boxes and masks with their images."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    as_boxes_tensor,
    clip_to_image_size,
    convert_format,
)


def boxes_in(layer, bounding_boxes, target, height, width) -> dict:
    """``bounding_boxes`` (a dict) with its boxes converted from the layer's format to ``target``."""
    bounding_boxes = dict(bounding_boxes)
    bounding_boxes["boxes"] = as_boxes_tensor(bounding_boxes["boxes"])
    return convert_format(bounding_boxes, layer.bounding_box_format, target, height, width)


def boxes_out(layer, bounding_boxes, source, height, width, clip_format="xyxy", clip_size=None) -> dict:
    """Clip (Keras's ``clip_to_image_size``: empty boxes get label -1) and convert back to the layer's format."""
    clip_height, clip_width = clip_size if clip_size is not None else (height, width)
    bounding_boxes = clip_to_image_size(bounding_boxes, clip_height, clip_width, clip_format)
    return convert_format(bounding_boxes, source, layer.bounding_box_format, height, width)


def with_boxes(bounding_boxes, boxes) -> dict:
    """A copy of the ``bounding_boxes`` dict holding ``boxes``."""
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    return result


def resample_masks(masks, resample) -> torch.Tensor:
    """Masks through ``resample`` (an image resampling, nearest) in float, back in the masks' dtype."""
    masks = torch.as_tensor(masks)
    out = resample(masks.to(torch.float32) if not masks.is_floating_point() else masks)
    return out.to(masks.dtype) if not masks.is_floating_point() else out
