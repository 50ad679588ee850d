"""Image files <-> arrays with Pillow: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``; ``smart_resize`` (Keras 3)."""

from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np

from keraton import backend


def require_pillow(caller):
    """Import ``PIL.Image``, or raise ``ImportError`` naming the package and how to install it."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(f"{caller} requires the Pillow package to read and write images. "
                          "Install it with `pip install pillow` (or `pip install keraton[image]`).") from e
    return Image


def _interpolation(Image, interpolation):
    methods = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
               "bicubic": Image.Resampling.BICUBIC, "hamming": Image.Resampling.HAMMING,
               "box": Image.Resampling.BOX, "lanczos": Image.Resampling.LANCZOS}
    if interpolation not in methods:
        raise ValueError(f"Invalid interpolation method {interpolation!r}; supported methods are "
                         f"{', '.join(methods)}.")
    return methods[interpolation]


def _data_format(data_format):
    data_format = data_format or backend.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("`data_format` must be 'channels_first' or 'channels_last'; "
                         f"received {data_format!r}.")
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Convert a rank-3 array to a PIL image, as ``keras.utils.array_to_img``.

    With ``scale`` the values are shifted and scaled to ``[0, 255]``; 1, 3 and
    4 channels give modes ``L`` (``I`` when unscaled values exceed 255),
    ``RGB`` and ``RGBA``.

    Example:

    >>> array_to_img(np.zeros((2, 3, 3))).size
    (3, 2)
    """
    Image = require_pillow("array_to_img")
    x = np.asarray(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected an image array of rank 3 (single image); got an "
                         f"array with shape {x.shape}.")
    if _data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: unsupported channel number {channels} (expected 1, 3 or 4).")


def img_to_array(img, data_format=None, dtype=None):
    """Convert a PIL image to a rank-3 array (``(h, w, c)`` or ``(c, h, w)``), as ``keras.utils.img_to_array``.

    Example:

    >>> img_to_array(array_to_img(np.ones((2, 3, 1)), scale=False)).shape
    (2, 3, 1)
    """
    channels_first = _data_format(data_format) == "channels_first"
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if channels_first else x
    if x.ndim == 2:
        return x.reshape((1, *x.shape)) if channels_first else x.reshape((*x.shape, 1))
    raise ValueError(f"img_to_array: unsupported image shape {x.shape}.")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save an array as an image file, as ``keras.utils.save_img`` (format from the extension)."""
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Load an image file into a PIL image, as ``keras.utils.load_img``.

    Args:
        path: path (str or ``pathlib.Path``) or an ``io.BytesIO``.
        color_mode: ``"rgb"``, ``"grayscale"`` or ``"rgba"``.
        target_size: ``(height, width)`` to resize to, or ``None``.
        interpolation: Pillow resampling: nearest, bilinear, bicubic, hamming, box, lanczos.
        keep_aspect_ratio: centre-crop to the target aspect ratio before resizing.

    Example:

    >>> img = load_img("cat.png", target_size=(64, 64))  # doctest: +SKIP
    """
    Image = require_pillow("load_img")
    if color_mode not in ("rgb", "grayscale", "rgba"):
        raise ValueError(f'load_img: color_mode must be "grayscale", "rgb", or "rgba"; '
                         f"received {color_mode!r}.")
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (str, os.PathLike)):
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: path should be a path-like or io.BytesIO; received {type(path)}.")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            resample = _interpolation(Image, interpolation)
            if keep_aspect_ratio:
                width, height = img.size
                target_width, target_height = width_height
                crop_height = min(height, (width * target_height) // target_width)
                crop_width = min(width, (height * target_width) // target_height)
                top, left = (height - crop_height) // 2, (width - crop_width) // 2
                img = img.resize(width_height, resample,
                                 box=(left, top, left + crop_width, top + crop_height))
            else:
                img = img.resize(width_height, resample)
    return img


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resize images to ``size`` without distorting them, as ``keras.preprocessing.image.smart_resize``.

    Takes the largest centered crop with the aspect ratio of ``size = (height,
    width)`` (Keras's integer arithmetic: ``crop_height = int(width *
    target_height / target_width)``, clipped to the image), then resizes it
    with ``keras.ops.image.resize``.  ``x`` is one image ``(h, w, c)`` or a batch
    ``(n, h, w, c)`` (channels first with ``data_format="channels_first"``); a
    NumPy input gives a NumPy output, a tensor a tensor.  ``interpolation``
    names a ``keras.ops.image.resize`` method.

    Example:

    >>> smart_resize(np.zeros((340, 500, 3)), (200, 200)).shape
    (200, 200, 3)
    """
    import torch

    from keraton.ops import image as image_ops

    kwargs.pop("backend_module", None)  # Keras's hook for choosing a backend; keraton has one
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs)}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers (height, width), but got: {size}.")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}.")
    img = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if img.ndim not in (3, 4):
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or "
                         "`(batch_size, height, width, channels)`, but got input with incorrect rank, "
                         f"of shape {tuple(img.shape)}.")
    h_axis = img.ndim - 3 if data_format == "channels_last" else img.ndim - 2
    height, width = int(img.shape[h_axis]), int(img.shape[h_axis + 1])
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top, left = int(float(height - crop_height) / 2), int(float(width - crop_width) / 2)
    img = img.narrow(h_axis, top, crop_height).narrow(h_axis + 1, left, crop_width)
    out = image_ops.resize(img, size=tuple(size), interpolation=interpolation, data_format=data_format)
    return out.numpy() if isinstance(x, np.ndarray) else out
