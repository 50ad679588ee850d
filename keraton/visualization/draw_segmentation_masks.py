"""``keras.visualization.draw_segmentation_masks``: class masks painted over a batch of images."""

from __future__ import annotations

import numpy as np
import torch

from keraton.visualization._common import check_batch, data_format_or_default, to_numpy


def _generate_color_palette(num_classes: int) -> list:
    """Keras's class colours: ``(i * [2**25 - 1, 2**15 - 1, 2**21 - 1]) % 255``."""
    palette = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [((i * palette) % 255).tolist() for i in range(num_classes)]


def draw_segmentation_masks(images, segmentation_masks, num_classes=None, color_mapping=None, alpha=0.8,
                            blend=True, ignore_index=-1, data_format=None):
    """Paint each class of integer ``(batch, H, W, 1)`` masks over the images, as Keras.

    Class ``c`` (``0 <= c < num_classes``) gets ``color_mapping[c]`` or
    Keras's palette colour.  With ``blend`` the result is
    ``images * (1 - alpha) + colours * alpha`` where the mask is not
    ``ignore_index`` (the image elsewhere), cast to a uint8 NumPy batch;
    without it, the painted float32 images as a tensor (Keras returns a
    backend tensor there).  As Keras, ``num_classes`` defaults to the
    largest class value, so that class is not painted.

    Example:
        >>> images = np.zeros((1, 2, 2, 3), "float32")
        >>> masks = np.array([[[[0], [1]], [[1], [0]]]])
        >>> draw_segmentation_masks(images, masks, num_classes=2, alpha=1.0)[0, 0, 1]
        array([ 1, 68, 38], dtype=uint8)
    """
    data_format = data_format_or_default(data_format)
    check_batch(images)
    images = to_numpy(images)
    masks = to_numpy(segmentation_masks)
    if data_format == "channels_first":
        images, masks = images.transpose(0, 2, 3, 1), masks.transpose(0, 2, 3, 1)
    images = images.astype("float32")
    if masks.dtype.kind not in "iu":
        raise TypeError(f"`segmentation_masks` must be in integer dtype. Received: "
                        f"segmentation_masks.dtype={masks.dtype}")
    if num_classes is None:
        num_classes = int(masks.max())
    colors = _generate_color_palette(num_classes) if color_mapping is None else [
        color_mapping[i] for i in range(num_classes)]
    valid = masks[..., 0] != ignore_index
    painted = images.copy()
    for class_index, color in enumerate(colors):
        painted[masks[..., 0] == class_index] = np.asarray(color, dtype=painted.dtype)[None, :]
    if not blend:
        return torch.from_numpy(painted)
    outputs = images * (1 - alpha) + painted * alpha
    outputs = np.where(valid[..., None], outputs, images)
    return torch.from_numpy(outputs.astype("float32")).to(torch.uint8).numpy()
