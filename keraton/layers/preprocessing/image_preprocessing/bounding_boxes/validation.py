"""Checking and densifying the ``{"boxes", "labels"}`` dicts the image layers take (Keras's ``validation.py``)."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    as_boxes_tensor,
)


def validate_bounding_boxes(bounding_boxes) -> None:
    """Refuse anything but a dict with ``"boxes"`` of rank 2 or 3 and ``"labels"`` of a matching rank."""
    if not isinstance(bounding_boxes, dict) or "labels" not in bounding_boxes or "boxes" not in bounding_boxes:
        raise ValueError("Expected `bounding_boxes` argument to be a dict with keys 'boxes' and 'labels'. "
                         f"Received: bounding_boxes={bounding_boxes}")
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if isinstance(boxes, list):
        if not isinstance(labels, list):
            raise ValueError("If `bounding_boxes['boxes']` is a list, then `bounding_boxes['labels']` must "
                             f"also be a list. Received: bounding_boxes['labels']={labels}")
        if len(boxes) != len(labels):
            raise ValueError("If `bounding_boxes['boxes']` and `bounding_boxes['labels']` are both lists, "
                             f"they must have the same length. Received: len(boxes)={len(boxes)} and "
                             f"len(labels)={len(labels)}")
        return
    boxes_rank, labels_rank = len(tuple(boxes.shape)), len(tuple(labels.shape))
    if boxes_rank not in (2, 3):
        raise ValueError("Expected `bounding_boxes['boxes']` to have rank 2 or 3, with shape (num_boxes, 4) "
                         f"or (batch_size, num_boxes, 4). Received: bounding_boxes['boxes'].shape="
                         f"{tuple(boxes.shape)}")
    allowed = (1, 2) if boxes_rank == 2 else (2, 3)
    if labels_rank not in allowed:
        raise ValueError(f"Found bounding_boxes['boxes'].shape={tuple(boxes.shape)} and expected "
                         f"bounding_boxes['labels'] to have rank {allowed[0]} or {allowed[1]}, but received: "
                         f"bounding_boxes['labels'].shape={tuple(labels.shape)}")


def densify_bounding_boxes(bounding_boxes, is_batched=False, max_boxes=None, boxes_default_value=0,
                           labels_default_value=-1) -> dict:
    """A new dict of dense tensors: float32 ``"boxes"`` and ``"labels"``, as Keras's ``densify_bounding_boxes``.

    Nested lists of boxes of different lengths per image (batched input) are
    padded to the longest (or cut to ``max_boxes``) with
    ``boxes_default_value`` boxes and ``labels_default_value`` labels.
    """
    validate_bounding_boxes(bounding_boxes)
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    result = dict(bounding_boxes)
    if isinstance(boxes, list) and boxes and isinstance(boxes[0], list) and is_batched:
        longest = max_boxes if max_boxes is not None else max(len(b) for b in boxes)
        new_boxes, new_labels = [], []
        for image_boxes, image_labels in zip(boxes, labels):
            image_boxes, image_labels = list(image_boxes)[:longest], list(image_labels)[:longest]
            missing = longest - len(image_boxes)
            new_boxes.append(image_boxes + [[boxes_default_value] * 4] * missing)
            new_labels.append(image_labels + [labels_default_value] * missing)
        result["boxes"] = torch.tensor(new_boxes, dtype=torch.float32).reshape(len(boxes), longest, 4)
        result["labels"] = torch.tensor(new_labels, dtype=torch.int32)
        return result
    result["boxes"] = as_boxes_tensor(boxes, "float32")
    result["labels"] = as_boxes_tensor(labels)
    return result
