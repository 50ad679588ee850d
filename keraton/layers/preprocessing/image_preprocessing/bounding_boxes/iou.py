"""``keras.utils.bounding_boxes.compute_iou`` and ``compute_ciou`` on torch."""

from __future__ import annotations

import math

import torch

from keraton import backend
from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    as_boxes_tensor,
    convert_format,
)


def _area(yxyx: torch.Tensor) -> torch.Tensor:
    y1, x1, y2, x2 = torch.split(yxyx[..., :4], 1, dim=-1)
    return ((y2 - y1) * (x2 - x1)).squeeze(-1)


def _intersection(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """``[N, M]`` or ``[batch, N, M]`` intersection areas of ``yxyx`` boxes."""
    y_min1, x_min1, y_max1, x_max1 = torch.split(boxes1[..., :4], 1, dim=-1)
    y_min2, x_min2, y_max2, x_max2 = (v.transpose(-1, -2) for v in torch.split(boxes2[..., :4], 1, dim=-1))
    height = torch.clamp(torch.minimum(y_max1, y_max2) - torch.maximum(y_min1, y_min2), min=0)
    width = torch.clamp(torch.minimum(x_max1, x_max2) - torch.maximum(x_min1, x_min2), min=0)
    return height * width


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1, image_shape=None):
    """Pairwise IoU table of two box sets, as ``keras.utils.bounding_boxes.compute_iou``.

    ``boxes1`` ``(M, 4)`` or ``(batch, M, 4)`` against ``boxes2`` ``(N, 4)``
    or ``(batch, N, 4)`` gives ``(M, N)`` or ``(batch, M, N)``:
    ``intersection / (union + epsilon)``.  With ``use_masking``, pairs where
    either box has all coordinates negative get ``mask_val``.  Relative
    formats need ``image_shape = (height, width, channels)``.

    Example:
        >>> compute_iou([[0, 0, 2, 2]], [[1, 1, 3, 3]], "xyxy")
        tensor([[0.1429]])
    """
    boxes1, boxes2 = as_boxes_tensor(boxes1), as_boxes_tensor(boxes2)
    rank1, rank2 = boxes1.dim(), boxes2.dim()
    for index, rank in ((1, rank1), (2, rank2)):
        if rank not in (2, 3):
            raise ValueError(f"compute_iou() expects boxes{index} to be batched, or to be unbatched. "
                             f"Received len(boxes1.shape)={rank1}, len(boxes2.shape)={rank2}. Expected "
                             f"either len(boxes{index}.shape)=2 or len(boxes{index}.shape)=3.")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` "
                         f"argument must be provided. Received `image_shape`: {image_shape}")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    boxes1 = convert_format(boxes1, bounding_box_format, "yxyx", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "yxyx", height, width)
    intersection = _intersection(boxes1, boxes2)
    area1 = _area(boxes1).unsqueeze(-1)
    area2 = _area(boxes2).unsqueeze(-2)
    iou = intersection / (area1 + area2 - intersection + backend.epsilon())
    if not use_masking:
        return iou
    mask1 = boxes1.amax(dim=-1, keepdim=True) < 0.0
    mask2 = (boxes2.amax(dim=-1, keepdim=True) < 0.0).transpose(-1, -2)
    return torch.where(mask1 | mask2, torch.full_like(iou, float(mask_val)), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of paired boxes (``(..., 4)`` each), as ``keras.utils.bounding_boxes.compute_ciou``.

    ``IoU - (center distance^2 / enclosing diagonal^2 + v * alpha)`` with
    the aspect-ratio term ``v``, Keras's epsilons included.  As Keras,
    relative formats are refused.
    """
    if "rel" in bounding_box_format:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` "
                         f"argument must be provided. Received `image_shape`: {image_shape}")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    boxes1 = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    eps = backend.epsilon()
    x_min1, y_min1, x_max1, y_max1 = torch.split(boxes1[..., :4], 1, dim=-1)
    x_min2, y_min2, x_max2, y_max2 = torch.split(boxes2[..., :4], 1, dim=-1)
    width1, height1 = x_max1 - x_min1, y_max1 - y_min1 + eps
    width2, height2 = x_max2 - x_min2, y_max2 - y_min2 + eps
    intersection = (torch.clamp(torch.minimum(x_max1, x_max2) - torch.maximum(x_min1, x_min2), min=0)
                    * torch.clamp(torch.minimum(y_max1, y_max2) - torch.maximum(y_min1, y_min2), min=0))
    union = width1 * height1 + width2 * height2 - intersection + eps
    iou = (intersection / (union + eps)).squeeze(-1)
    convex_width = torch.maximum(x_max1, x_max2) - torch.minimum(x_min1, x_min2)
    convex_height = torch.maximum(y_max1, y_max2) - torch.minimum(y_min1, y_min2)
    diagonal = (convex_width ** 2 + convex_height ** 2 + eps).squeeze(-1)
    centers = (((x_min1 + x_max1) / 2 - (x_min2 + x_max2) / 2) ** 2
               + ((y_min1 + y_max1) / 2 - (y_min2 + y_max2) / 2) ** 2).squeeze(-1)
    v = ((4 / math.pi ** 2) * (torch.atan(width2 / height2) - torch.atan(width1 / height1)) ** 2).squeeze(-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (centers / diagonal + v * alpha)
