"""``image_dataset_from_directory``: labelled image batches from a directory tree (Keras 3)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from keraton.utils import dataset_utils
from keraton.utils.image_utils import load_img

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_TORCH_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic", "area": "area"}
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def resize_image(image, size, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False):
    """Resize an ``(h, w, c)`` float array to ``size`` with torch, as Keras's ``Resizing`` does.

    ``crop_to_aspect_ratio`` centre-crops and ``pad_to_aspect_ratio`` centre-pads
    with zeros to the target aspect ratio first.  Interpolation uses half-pixel
    centres (``align_corners=False``, no antialiasing), as ``tf.image.resize``.
    """
    height, width = image.shape[:2]
    target_h, target_w = size
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(width * target_h / target_w)), 1)
        crop_w = max(min(width, int(height * target_w / target_h)), 1)
        top, left = (height - crop_h) // 2, (width - crop_w) // 2
        image = image[top:top + crop_h, left:left + crop_w]
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(width * target_h / target_w))
        pad_w = max(width, int(height * target_w / target_h))
        padded = np.zeros((pad_h, pad_w, image.shape[2]), dtype=image.dtype)
        top, left = (pad_h - height) // 2, (pad_w - width) // 2
        padded[top:top + height, left:left + width] = image
        image = padded
    if image.shape[:2] == tuple(size):
        return np.ascontiguousarray(image, dtype="float32")
    t = torch.from_numpy(np.ascontiguousarray(image, dtype="float32")).permute(2, 0, 1)[None]
    mode = _TORCH_MODES[interpolation]
    kwargs = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
    out = F.interpolate(t, size=tuple(size), mode=mode, **kwargs)
    return out[0].permute(1, 2, 0).numpy()


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, verbose=True):
    """Build batches of images and labels from ``directory/<class>/<image>`` files.

    Matches ``keras.utils.image_dataset_from_directory``: classes are the
    sorted subdirectories (``labels="inferred"``), files are shuffled with
    ``seed``, ``validation_split`` + ``subset`` (``"training"``,
    ``"validation"`` or ``"both"``) split them; ``label_mode`` ``"int"``
    (int32), ``"categorical"`` (one-hot float32), ``"binary"`` (float32
    ``(n, 1)``) or ``None``.  Images are float32 in ``[0, 255]``, shape
    ``(batch, height, width, channels)`` (channels first under
    ``data_format="channels_first"``).

    Returns a ``keraton.utils.PyDataset`` (``fit`` takes it) with
    ``class_names`` and ``file_paths``; a pair of them for ``subset="both"``.
    Unlike Keras it is not a ``tf.data.Dataset``; ``shuffle`` redraws the
    order at each epoch instead of through a ``tf.data`` shuffle buffer.

    Example:

    >>> train = image_dataset_from_directory("photos", image_size=(64, 64),  # doctest: +SKIP
    ...     validation_split=0.2, subset="training", seed=1)
    """
    caller = "image_dataset_from_directory"
    if color_mode not in _CHANNELS:
        raise ValueError(f'{caller}: `color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. '
                         f"Received: color_mode={color_mode}")
    if interpolation not in _TORCH_MODES:
        raise ValueError(f"{caller}: `interpolation` must be one of {sorted(_TORCH_MODES)}. "
                         f"Received: interpolation={interpolation}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    dataset_utils.check_labels_arg(labels, caller)
    dataset_utils.check_label_mode(label_mode, None, caller)
    image_size = tuple(image_size)
    if len(image_size) != 2:
        raise ValueError(f"{caller}: `image_size` must be (height, width); received {image_size}.")
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, file_labels, class_names = dataset_utils.index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    num_classes = len(class_names) if class_names else 0
    dataset_utils.check_label_mode(label_mode, num_classes, caller)
    channels_first = (data_format or "channels_last") == "channels_first"

    def load(path):
        image = np.asarray(load_img(path, color_mode=color_mode), dtype="float32")
        if image.ndim == 2:
            image = image[:, :, None]
        image = resize_image(image, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio)
        return image.transpose(2, 0, 1) if channels_first else image

    def build(subset_name):
        paths, labs = dataset_utils.get_training_or_validation_split(
            file_paths, file_labels, validation_split, subset_name)
        if not paths:
            raise ValueError(f"{caller}: no images found in directory {directory}. Allowed formats: "
                             f"{ALLOWLIST_FORMATS}")
        labs = None if label_mode is None else dataset_utils.encode_labels(labs, label_mode, num_classes)
        return dataset_utils.FileBatches(paths, labs, load, batch_size, class_names,
                                         shuffle=shuffle, seed=seed)

    if subset == "both":
        return build("training"), build("validation")
    return build(subset)
