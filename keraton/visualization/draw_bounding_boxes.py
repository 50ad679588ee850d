"""``keras.visualization.draw_bounding_boxes``: boxes (and class names) drawn into a batch of images."""

from __future__ import annotations

import numpy as np

from keraton.layers.preprocessing.image_preprocessing.bounding_boxes.converters import (
    convert_format,
)
from keraton.visualization._common import check_batch, data_format_or_default, to_numpy

try:
    import cv2
except ImportError:  # keraton draws the rectangles itself; text needs OpenCV
    cv2 = None


def _rectangle(image: np.ndarray, x1: int, y1: int, x2: int, y2: int, color, thickness: int) -> None:
    """Outline ``(x1, y1)-(x2, y2)`` in ``image`` (``(H, W, C)`` uint8) in place, ``thickness`` pixels wide.

    A NumPy stand-in for ``cv2.rectangle``: each edge is a band of
    ``thickness`` pixels centred on it (``2 * (thickness // 2) + 1`` pixels
    for even thickness, as OpenCV's thick lines), clipped to the image.
    OpenCV rounds the corners of thick lines; the corners here are square.
    """
    height, width = image.shape[:2]
    half = max(int(thickness), 1) // 2
    left, right = min(x1, x2), max(x1, x2)
    top, bottom = min(y1, y2), max(y1, y2)
    color = np.asarray(color, dtype=image.dtype)[: image.shape[-1]]

    def fill(r0, r1, c0, c1):
        r0, r1, c0, c1 = max(r0, 0), min(r1, height - 1), max(c0, 0), min(c1, width - 1)
        if r0 <= r1 and c0 <= c1:
            image[r0:r1 + 1, c0:c1 + 1] = color

    fill(top - half, top + half, left - half, right + half)
    fill(bottom - half, bottom + half, left - half, right + half)
    fill(top - half, bottom + half, left - half, left + half)
    fill(top - half, bottom + half, right - half, right + half)


def _find_text_location(x, y, font_scale, thickness):
    """Keras's place of a label: above the box when it fits, else inside it."""
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


def draw_bounding_boxes(images, bounding_boxes, bounding_box_format, class_mapping=None, color=(128, 128, 128),
                        line_thickness=2, text_thickness=1, font_scale=1.0, data_format=None):
    """Draw boxes into a batch of images, as ``keras.visualization.draw_bounding_boxes``.

    ``bounding_boxes`` is ``{"boxes": (batch, N, 4), "labels": (batch, N)}``
    (optionally ``"confidences"``) in ``bounding_box_format``; boxes labelled
    -1 are skipped.  Float images are taken as ``[0, 1]`` when their maximum
    is at most 1 (scaled by 255), else clipped to ``[0, 255]``; the result is
    a uint8 NumPy batch (channels last images as given, as Keras).

    Keras draws with OpenCV (``cv2.rectangle``, ``cv2.putText``).  When
    ``cv2`` is importable keraton does the same; otherwise the rectangles are
    drawn with NumPy (square corners where OpenCV rounds them) and class
    names are not written.

    Example:
        >>> images = np.zeros((1, 8, 8, 3), "uint8")
        >>> boxes = {"boxes": np.array([[[1, 1, 6, 5]]]), "labels": np.array([[0]])}
        >>> draw_bounding_boxes(images, boxes, "xyxy", color=(255, 0, 0), line_thickness=1)[0, 1, 1]
        array([255,   0,   0], dtype=uint8)
    """
    class_mapping = class_mapping or {}
    text_thickness = text_thickness or line_thickness
    data_format = data_format_or_default(data_format)
    check_batch(images)
    if not isinstance(bounding_boxes, dict):
        raise TypeError(f"`bounding_boxes` should be a dict. Received: bounding_boxes={bounding_boxes} of type "
                        f"{type(bounding_boxes)}")
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError("`bounding_boxes` should be a dict containing 'boxes' and 'labels' keys. Received: "
                         f"bounding_boxes={bounding_boxes}")
    shape = tuple(images.shape)
    height, width = (shape[-3], shape[-2]) if data_format == "channels_last" else (shape[-2], shape[-1])
    boxes = to_numpy(convert_format(bounding_boxes["boxes"], bounding_box_format, "xyxy", height, width))
    labels = to_numpy(bounding_boxes["labels"])
    confidences = to_numpy(bounding_boxes["confidences"]) if "confidences" in bounding_boxes else None
    images = to_numpy(images)
    if images.dtype.kind == "f" and images.size > 0:
        images = np.clip(images, 0, 1) * 255 if images.max() <= 1.0 else np.clip(images, 0, 255)
    images = images.astype("uint8")
    result = []
    for i in range(images.shape[0]):
        image = np.ascontiguousarray(images[i])
        for j in range(boxes[i].shape[0]):
            x1, y1, x2, y2 = (int(v) for v in boxes[i][j].astype("int32"))
            label = int(labels[i][j].astype("int32"))
            if label == -1:
                continue
            if cv2 is not None:
                cv2.rectangle(image, (x1, y1), (x2, y2), color, line_thickness)
            else:
                _rectangle(image, x1, y1, x2, y2, color, line_thickness)
            if label in class_mapping and cv2 is not None:
                text = class_mapping[label]
                if confidences is not None:
                    text = f"{text} | {confidences[i][j]:.2f}"
                cv2.putText(img=image, text=text, org=_find_text_location(x1, y1, font_scale, text_thickness),
                            fontFace=cv2.FONT_HERSHEY_SIMPLEX, fontScale=font_scale, color=color,
                            thickness=text_thickness)
        result.append(image)
    return np.stack(result, axis=0)
