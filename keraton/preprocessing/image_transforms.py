"""tf.keras 2's random NumPy image transforms of ``keras.preprocessing.image``.

``random_rotation``, ``random_shift``, ``random_shear``, ``random_zoom``,
``apply_channel_shift``, ``random_channel_shift``, ``apply_brightness_shift``
and ``random_brightness`` act on one image (a rank-3 NumPy array) and follow
tf.keras 2.15: same arguments and defaults (``channel_axis=0``: channels
first), and the random ones draw their parameters from NumPy's global RNG in
the same order, so ``np.random.seed(s)`` gives tf.keras 2's result.  The
geometric ones go through :func:`keraton.preprocessing.image.apply_affine_transform`.
"""

from __future__ import annotations

import numpy as np

from keraton.preprocessing.image import apply_affine_transform
from keraton.utils.image_utils import array_to_img, img_to_array

__all__ = ["apply_brightness_shift", "apply_channel_shift", "random_brightness",
           "random_channel_shift", "random_rotation", "random_shear", "random_shift", "random_zoom"]


def _check_image(x, name):
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"{name}: expected one image, a rank-3 array; received shape {x.shape}. "
                         "Apply the function to each image of a batch.")
    return x


def _pair(value, what, name):
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise ValueError(f"{name}: `{what}` should be a tuple or list of two floats. "
                         f"Received: {value!r}")
    return value


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    """Rotate ``x`` by an angle drawn uniformly in ``[-rg, rg]`` degrees (tf.keras 2)."""
    x = _check_image(x, "random_rotation")
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shift ``x`` by fractions drawn in ``[-hrg, hrg]`` of its height and ``[-wrg, wrg]`` of its width.

    As tf.keras 2: the height fraction is drawn first and scales ``tx``, the
    width fraction scales ``ty``.
    """
    x = _check_image(x, "random_shift")
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """Shear ``x`` by an angle drawn uniformly in ``[-intensity, intensity]`` degrees (tf.keras 2)."""
    x = _check_image(x, "random_shear")
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                cval=0.0, interpolation_order=1):
    """Zoom ``x`` by ``(zx, zy)`` drawn uniformly in ``zoom_range`` (no draw for ``(1, 1)``), as tf.keras 2."""
    zoom_range = _pair(zoom_range, "zoom_range", "random_zoom")
    x = _check_image(x, "random_zoom")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's own min and max (tf.keras 2)."""
    x = _check_image(x, "apply_channel_shift")
    x = np.moveaxis(x, channel_axis, 0)
    low, high = np.min(x), np.max(x)
    x = np.stack([np.clip(c + intensity, low, high) for c in x], axis=0)
    return np.moveaxis(x, 0, channel_axis)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """:func:`apply_channel_shift` by an intensity drawn in ``[-intensity_range, intensity_range]``."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """Change brightness with PIL's ``ImageEnhance.Brightness`` (factor ``brightness``), as tf.keras 2.

    The image goes through an 8-bit PIL image (channels last); values outside
    ``[0, 255]`` are rescaled for it, and with ``scale=False`` rescaled back.
    """
    try:
        from PIL import ImageEnhance
    except ImportError as e:
        raise ImportError("Using brightness shifts requires PIL. Install PIL or Pillow.") from e
    x = _check_image(x, "apply_brightness_shift")
    low, high = np.min(x), np.max(x)
    local_scale = bool(low < 0 or high > 255)
    image = ImageEnhance.Brightness(array_to_img(x, scale=local_scale or scale)).enhance(brightness)
    out = img_to_array(image)
    if not scale and local_scale:
        out = out / 255 * (high - low) + low
    return out


def random_brightness(x, brightness_range, scale=True):
    """:func:`apply_brightness_shift` by a factor drawn uniformly in ``brightness_range`` (tf.keras 2)."""
    brightness_range = _pair(brightness_range, "brightness_range", "random_brightness")
    u = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, u, scale)
