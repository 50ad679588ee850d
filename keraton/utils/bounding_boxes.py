"""``keras.utils.bounding_boxes``: box format conversion and box arithmetic (Keras 3), on torch.

The functions live with the image augmentation layers that use them
(``keraton.layers.preprocessing.image_preprocessing.bounding_boxes``); this
module is the public path Keras 3 gives them.
"""

from keraton.layers.preprocessing.image_preprocessing.bounding_boxes import (
    affine_transform,
    clip_to_image_size,
    compute_ciou,
    compute_iou,
    convert_format,
    crop,
    decode_deltas_to_boxes,
    encode_box_to_deltas,
    pad,
)

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou", "convert_format", "crop",
           "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
