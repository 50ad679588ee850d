"""``keras.utils.bounding_boxes``: bounding box formats and box arithmetic on torch."""

from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    affine_transform,
    clip_to_image_size,
    convert_format,
    crop,
    decode_deltas_to_boxes,
    encode_box_to_deltas,
    pad,
)
from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.iou import (
    compute_ciou,
    compute_iou,
)

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou", "convert_format", "crop",
           "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
