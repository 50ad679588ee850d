"""``keras.utils.bounding_boxes``: box format conversion, clipping, crop/pad, affine maps and anchor deltas.

Boxes are ``(..., 4)`` tensors (lists and NumPy arrays are taken too) in one
of Keras's formats: ``xyxy`` ``[left, top, right, bottom]``, ``yxyx``,
``xywh`` ``[left, top, width, height]``, ``center_xywh``, ``center_yxhw``
and the relative ``rel_xyxy``, ``rel_yxyx``, ``rel_xywh``,
``rel_center_xywh`` (coordinates divided by the image width / height).
Every conversion goes through ``xyxy``, as Keras's ``BoundingBox`` does, so
the float results are Keras's to the last bit.  Results are torch tensors.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from keraton import backend

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw",
                     "rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh")


def as_boxes_tensor(boxes, dtype=None) -> torch.Tensor:
    """``boxes`` (tensor, array, nested list) as a torch tensor, cast to ``dtype`` when given."""
    if not isinstance(boxes, torch.Tensor):
        boxes = torch.as_tensor(np.asarray(boxes))
    return boxes if dtype is None else boxes.to(backend.torch_dtype(dtype))


def _as_size(value, like: torch.Tensor):
    """An image height/width (int, float or tensor) as a scalar or tensor in ``like``'s dtype."""
    if isinstance(value, (int, float)):
        return torch.tensor(value, dtype=like.dtype, device=like.device)
    return as_boxes_tensor(value).to(like.dtype).to(like.device)


def _split(boxes: torch.Tensor):
    return torch.split(boxes, 1, dim=-1)


def _to_xyxy(boxes, source, height, width):
    a, b, c, d = _split(boxes)
    if source == "xyxy":
        return boxes
    if source == "yxyx":
        return torch.cat([b, a, d, c], dim=-1)
    if source == "xywh":
        return torch.cat([a, b, a + c, b + d], dim=-1)
    if source == "center_xywh":
        return torch.cat([a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0], dim=-1)
    if source == "center_yxhw":
        return torch.cat([b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0], dim=-1)
    if source == "rel_xyxy":
        return torch.cat([a * width, b * height, c * width, d * height], dim=-1)
    if source == "rel_yxyx":
        return torch.cat([b * width, a * height, d * width, c * height], dim=-1)
    if source == "rel_xywh":
        return torch.cat([a * width, b * height, (a + c) * width, (b + d) * height], dim=-1)
    # rel_center_xywh
    return torch.cat([(a - c / 2.0) * width, (b - d / 2.0) * height,
                      (a + c / 2.0) * width, (b + d / 2.0) * height], dim=-1)


def _from_xyxy(boxes, target, height, width):
    x1, y1, x2, y2 = _split(boxes)
    if target == "xyxy":
        return boxes
    if target == "yxyx":
        return torch.cat([y1, x1, y2, x2], dim=-1)
    if target == "xywh":
        return torch.cat([x1, y1, x2 - x1, y2 - y1], dim=-1)
    if target in ("center_xywh", "center_yxhw"):
        cx, cy = x1 + (x2 - x1) / 2.0, y1 + (y2 - y1) / 2.0
        w, h = x2 - x1, y2 - y1
        return torch.cat([cx, cy, w, h] if target == "center_xywh" else [cy, cx, h, w], dim=-1)
    if target == "rel_xyxy":
        return torch.cat([x1 / width, y1 / height, x2 / width, y2 / height], dim=-1)
    if target == "rel_yxyx":
        return torch.cat([y1 / height, x1 / width, y2 / height, x2 / width], dim=-1)
    if target == "rel_xywh":
        return torch.cat([x1 / width, y1 / height, (x2 - x1) / width, (y2 - y1) / height], dim=-1)
    # rel_center_xywh
    return torch.cat([(x1 + (x2 - x1) / 2.0) / width, (y1 + (y2 - y1) / 2.0) / height,
                      (x2 - x1) / width, (y2 - y1) / height], dim=-1)


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Convert boxes from the ``source`` to the ``target`` format, as ``keras.utils.bounding_boxes.convert_format``.

    Args:
        boxes: a ``(..., 4)`` tensor/array, or a dict with ``"boxes"`` (a new
            dict is returned with the boxes converted, other keys kept).
        source, target: format names (case-insensitive), see ``SUPPORTED_FORMATS``.
        height, width: image size, required when either format is relative
            (numbers, or tensors broadcasting against ``(..., 1)``).
        dtype: dtype of the computation and result (default ``"float32"``).

    Example:
        >>> convert_format([[10, 20, 30, 40]], "xyxy", "xywh")
        tensor([[10., 20., 20., 20.]])
    """
    if isinstance(boxes, dict):
        result = dict(boxes)
        result["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return result
    boxes = as_boxes_tensor(boxes)
    if boxes.shape[-1] != 4:
        raise ValueError("`boxes` must be a tensor with the last dimension of 4. "
                         f"Received: boxes.shape={tuple(boxes.shape)}")
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"Invalid source or target format (source={source!r}, target={target!r}). "
                         f"Supported formats: {SUPPORTED_FORMATS}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (width is None or height is None):
        raise ValueError("convert_format() must receive `height` and `width` when transforming between "
                         f"relative and absolute formats. Received source={source!r}, target={target!r}, "
                         f"height={height}, width={width}.")
    boxes = boxes.to(backend.torch_dtype(dtype))
    if source == target:
        return boxes
    height = None if height is None else _as_size(height, boxes)
    width = None if width is None else _as_size(width, boxes)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)


def compute_area(boxes: torch.Tensor) -> torch.Tensor:
    """``(x2 - x1) * (y2 - y1)`` of ``xyxy`` boxes, shape ``(..., 1)``."""
    x1, y1, x2, y2 = _split(boxes)
    return (x2 - x1) * (y2 - y1)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clip boxes into the image, as ``keras.utils.bounding_boxes.clip_to_image_size``.

    ``bounding_boxes`` is a dict with ``"boxes"`` (``xyxy`` clipped to
    ``[0, width] x [0, height]``; ``rel_xyxy`` to ``[0, 1]``) and optionally
    ``"labels"``: a box left with no area gets the label ``-1``.  Returns a
    new dict (other keys kept).  As Keras, only ``xyxy`` and ``rel_xyxy`` are
    implemented (others raise ``NotImplementedError``).
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(f"clip_to_image_size supports the 'xyxy' and 'rel_xyxy' formats only. "
                                  f"Received: bounding_box_format={bounding_box_format!r}")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`.")
    boxes = as_boxes_tensor(bounding_boxes["boxes"])
    labels = bounding_boxes.get("labels")
    x1, y1, x2, y2 = _split(boxes)
    if bounding_box_format == "xyxy":
        width, height = _as_size(width, boxes), _as_size(height, boxes)
        zero = torch.zeros((), dtype=boxes.dtype, device=boxes.device)
        x1, x2 = (torch.minimum(torch.maximum(v, zero), width) for v in (x1, x2))
        y1, y2 = (torch.minimum(torch.maximum(v, zero), height) for v in (y1, y2))
    else:
        x1, y1, x2, y2 = (torch.clamp(v, 0.0, 1.0) for v in (x1, y1, x2, y2))
    boxes = torch.cat([x1, y1, x2, y2], dim=-1)
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    if labels is not None:
        labels = as_boxes_tensor(labels)
        areas = compute_area(boxes).squeeze(-1)
        result["labels"] = torch.where(areas > 0, labels, torch.full_like(labels, -1))
    return result


def _inverse_affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y,
                           height, width) -> torch.Tensor:
    """Keras's ``(batch, 3, 3)`` inverse affine matrix (TensorFlow Addons' ``_get_inverse_affine_matrix``)."""
    angle, shear_x, shear_y = -angle, -shear_x, -shear_y
    cx, cy = center_x * (width - 1), center_y * (height - 1)
    rot = angle * (1.0 / 180.0 * math.pi)
    tx, ty = -translate_x * (width - 1), -translate_y * (height - 1)
    sx, sy = shear_x * (1.0 / 180.0 * math.pi), shear_y * (1.0 / 180.0 * math.pi)
    cos_sy, tan_sx = torch.cos(sy), torch.tan(sx)
    rot_minus_sy = rot - sy
    cx_plus_tx, cy_plus_ty = cx + tx, cy + ty
    a = torch.cos(rot_minus_sy) / cos_sy
    b = a * tan_sx + torch.sin(rot)
    c = -torch.sin(rot_minus_sy) / cos_sy
    d = torch.cos(rot) - c * tan_sx
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * cx_plus_tx - a1 * cy_plus_ty
    b2 = cy - b0 * cx_plus_tx - b1 * cy_plus_ty
    zeros, ones = torch.zeros_like(a0), torch.ones_like(a0)
    return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros, ones], dim=-1).reshape(-1, 3, 3)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
                     center_x=None, center_y=None, bounding_box_format="xyxy"):
    """Map ``xyxy`` boxes through an affine transform, as ``keras.utils.bounding_boxes.affine_transform``.

    The four corners of each ``(batch, N, 4)`` box go through the per-image
    transform (``angle``, ``shear_x``, ``shear_y`` in degrees, translations
    as fractions of the size, ``scale``, about ``(center_x, center_y)``,
    fractions defaulting to 0.5), and the result is their enclosing box.
    Each parameter is a ``(batch,)`` tensor.  Only ``xyxy`` is implemented,
    as in Keras.
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError("affine_transform supports bounding_box_format='xyxy' only. "
                                  f"Received: bounding_box_format={bounding_box_format!r}")
    angle = as_boxes_tensor(angle)
    params = [as_boxes_tensor(p).to(angle.dtype) if not isinstance(p, (int, float)) else p
              for p in (translate_x, translate_y, scale, shear_x, shear_y)]
    matrix = _inverse_affine_matrix(0.5 if center_x is None else center_x,
                                    0.5 if center_y is None else center_y, angle, *params, height, width)
    boxes = as_boxes_tensor(boxes).to(matrix.dtype)
    batch, n_boxes = boxes.shape[0], boxes.shape[1]
    x1, y1, x2, y2 = boxes.unbind(-1)
    points = torch.stack([x1, y1, x2, y1, x2, y2, x1, y2], dim=-1).reshape(batch, n_boxes, 4, 2)
    points = torch.cat([points, torch.ones(batch, n_boxes, 4, 1, dtype=points.dtype)], dim=-1)
    moved = torch.einsum("bnxy,byz->bnxz", points, matrix[:, :2, :].transpose(1, 2))
    return torch.cat([moved.amin(dim=2), moved.amax(dim=2)], dim=-1)


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """Shift ``xyxy`` boxes by ``(-left, -top)`` and clip them to ``[0, width] x [0, height]``
    (``keras.utils.bounding_boxes.crop``; only ``xyxy``, as Keras)."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError("crop supports bounding_box_format='xyxy' only. "
                                  f"Received: bounding_box_format={bounding_box_format!r}")
    boxes = as_boxes_tensor(boxes)
    x1, y1, x2, y2 = _split(boxes)
    x1, x2 = (torch.clamp(v - left, 0, width) for v in (x1, x2))
    y1, y2 = (torch.clamp(v - top, 0, height) for v in (y1, y2))
    return torch.cat([x1, y1, x2, y2], dim=-1)


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """Shift ``xyxy`` boxes by ``(left, top)`` (``keras.utils.bounding_boxes.pad``; ``height``/``width`` unused, as Keras)."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError("pad supports bounding_box_format='xyxy' only. "
                                  f"Received: bounding_box_format={bounding_box_format!r}")
    boxes = as_boxes_tensor(boxes)
    x1, y1, x2, y2 = _split(boxes)
    return torch.cat([x1 + left, y1 + top, x2 + left, y2 + top], dim=-1)


def _check_variance(variance):
    if variance is None:
        return None
    variance = as_boxes_tensor(variance, "float32")
    if variance.shape[-1] != 4:
        raise ValueError(f"`variance` must be length 4, got {variance}")
    return variance


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format, encoding_format="center_yxhw",
                         variance=None, image_shape=None):
    """Box offsets relative to anchors, as ``keras.utils.bounding_boxes.encode_box_to_deltas``.

    Both are converted to ``encoding_format`` (``center_yxhw`` or
    ``center_xywh``); the deltas are ``(center - anchor_center) / anchor_size``
    and ``log(size / anchor_size)`` (sizes floored at ``epsilon``), divided
    by ``variance`` when given.  ``image_shape = (height, width, channels)``
    serves relative formats.
    """
    variance = _check_variance(variance)
    if encoding_format not in ("center_xywh", "center_yxhw"):
        raise ValueError("`encoding_format` should be one of 'center_xywh' or 'center_yxhw', "
                         f"got {encoding_format}")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    anchors = convert_format(anchors, anchor_format, encoding_format, height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height, width)
    eps = backend.epsilon()
    anchor_size = torch.clamp(anchors[..., 2:], min=eps)
    box_size = torch.clamp(boxes[..., 2:], min=eps)
    deltas = torch.cat([(boxes[..., :2] - anchors[..., :2]) / anchor_size,
                        torch.log(box_size / anchor_size)], dim=-1)
    return deltas / variance if variance is not None else deltas


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format, encoded_format="center_yxhw",
                           variance=None, image_shape=None):
    """Boxes from anchor offsets, the inverse of ``encode_box_to_deltas``
    (``keras.utils.bounding_boxes.decode_deltas_to_boxes``); dicts of levels are decoded level by level."""
    variance = _check_variance(variance)
    if encoded_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"`encoded_format` should be 'center_xywh' or 'center_yxhw', but got "
                         f"'{encoded_format}'.")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]

    def decode(anchor, delta):
        anchor = convert_format(anchor, anchor_format, encoded_format, height, width)
        delta = as_boxes_tensor(delta)
        if variance is not None:
            delta = delta * variance
        box = torch.cat([delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                         torch.exp(delta[..., 2:]) * anchor[..., 2:]], dim=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)
