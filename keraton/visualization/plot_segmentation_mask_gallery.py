"""``keras.visualization.plot_segmentation_mask_gallery``: images beside their painted masks."""

from __future__ import annotations

import functools

import numpy as np

from keraton.visualization._common import check_batch, data_format_or_default, to_numpy
from keraton.visualization.draw_segmentation_masks import draw_segmentation_masks
from keraton.visualization.plot_image_gallery import plot_image_gallery


def plot_segmentation_mask_gallery(images, num_classes, value_range=(0, 255), y_true=None, y_pred=None,
                                   color_mapping=None, blend=True, alpha=0.8, ignore_index=-1, data_format=None,
                                   **kwargs):
    """One row per image: the image, then ``y_true`` and ``y_pred`` painted on it, as Keras.

    Masks go through ``draw_segmentation_masks``; other keyword arguments go
    to ``plot_image_gallery``.
    """
    data_format = data_format_or_default(data_format)
    check_batch(images)
    images = to_numpy(images)
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    batch_size = images.shape[0]
    draw = functools.partial(draw_segmentation_masks, num_classes=num_classes, color_mapping=color_mapping,
                             alpha=alpha, ignore_index=ignore_index, blend=blend)
    drawn = []
    for masks in (y_true, y_pred):
        if masks is None:
            continue
        masks = to_numpy(masks)
        if data_format == "channels_first":
            masks = masks.transpose(0, 2, 3, 1)
        drawn.append(to_numpy(draw(images, masks.astype("int32"))))
    gallery = []
    for i in range(batch_size):
        gallery.append(images[i])
        gallery.extend(painted[i] for painted in drawn)
    return plot_image_gallery(np.stack(gallery, axis=0), value_range=value_range, rows=batch_size,
                              cols=1 + len(drawn), **kwargs)
