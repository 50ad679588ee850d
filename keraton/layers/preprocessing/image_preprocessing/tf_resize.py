"""TensorFlow 2's ``tf.image.resize`` (antialias off) as one ``(out, in)`` weight matrix per image axis.

tf.keras 2's ``RandomHeight`` / ``RandomWidth`` resize with ``tf.image.resize``,
whose eight methods are all separable: each output row (column) is a fixed
weighted sum of input rows (columns).  The matrices here reproduce TF's
kernels and border rules, so ``einsum`` with them gives TF's pixels:

* ``bilinear``, ``nearest``: half-pixel centres, borders clamped (TF's
  ``resize_bilinear`` / ``resize_nearest_neighbor``);
* ``bicubic``: Keys' cubic with ``a = -0.5`` read from TF's 1024-entry
  table, out-of-image taps dropped and the rest renormalised;
* ``area``: the overlap of each output cell with the input cells;
* ``lanczos3``, ``lanczos5``, ``gaussian``, ``mitchellcubic``: TF's
  ``scale_and_translate`` kernels, renormalised, unscaled (no antialias).
  ``gaussian`` and ``mitchellcubic`` do not vanish at +-1, so they also
  smooth an axis whose size is kept, as TensorFlow does.
"""

from __future__ import annotations

import math

import numpy as np
import torch

TF_RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                     "mitchellcubic")

_TABLE_SIZE = 1024


def _keys_cubic_table(a: float = -0.5) -> np.ndarray:
    x = np.arange(_TABLE_SIZE + 1, dtype=np.float64) / _TABLE_SIZE
    table = np.empty((_TABLE_SIZE + 1, 2), dtype=np.float32)
    table[:, 0] = ((a + 2) * x - (a + 3)) * x * x + 1
    x = x + 1
    table[:, 1] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return table


def _lanczos(radius: float):
    def kernel(x):
        x = np.abs(x)
        px = np.pi * np.maximum(x, 1e-3)
        value = radius * np.sin(px) * np.sin(px / radius) / (px * px)
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, value))
    return kernel, radius


def _gaussian(x):
    x = np.abs(x)
    sigma = 1.5 / 3.0
    return np.where(x >= 1.5, 0.0, np.exp(-x * x / (2.0 * sigma * sigma)))


def _mitchell_cubic(x):
    x = np.abs(x)
    far = (((-7.0 / 18.0) * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0
    near = ((7.0 / 6.0) * x - 2.0) * x * x + 8.0 / 9.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


_SCALE_AND_TRANSLATE = {"lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0), "gaussian": (_gaussian, 1.5),
                        "mitchellcubic": (_mitchell_cubic, 2.0)}


def _scale_and_translate(in_size: int, out_size: int, method: str) -> np.ndarray:
    kernel, radius = _SCALE_AND_TRANSLATE[method]
    inv_scale = 1.0 / np.float32(np.float32(out_size) / np.float32(in_size))
    weights = np.zeros((out_size, in_size))
    for o in range(out_size):
        sample = (o + 0.5) * inv_scale
        start = min(max(math.ceil(sample - radius - 0.5), 0), in_size - 1)
        end = min(max(math.floor(sample + radius - 0.5), 0), in_size - 1) + 1
        taps = kernel(np.arange(start, end) + 0.5 - sample)
        total = taps.sum()
        if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
            weights[o, start:end] = taps / total
    return weights


def _bilinear(in_size: int, out_size: int, scale: float) -> np.ndarray:
    weights = np.zeros((out_size, in_size))
    for o in range(out_size):
        position = (o + 0.5) * scale - 0.5
        floor = math.floor(position)
        lerp = position - floor
        weights[o, max(floor, 0)] += 1.0 - lerp
        weights[o, min(math.ceil(position), in_size - 1)] += lerp
    return weights


def _nearest(in_size: int, out_size: int, scale: float) -> np.ndarray:
    weights = np.zeros((out_size, in_size))
    for o in range(out_size):
        weights[o, max(min(math.floor((o + 0.5) * scale), in_size - 1), 0)] = 1.0
    return weights


def _bicubic(in_size: int, out_size: int, scale: float) -> np.ndarray:
    table = _keys_cubic_table()
    weights = np.zeros((out_size, in_size))
    for o in range(out_size):
        position = float(np.float32((o + 0.5) * scale - 0.5))
        base = math.floor(position)
        offset = int(np.rint((position - base) * _TABLE_SIZE))
        taps = (table[offset, 1], table[offset, 0], table[_TABLE_SIZE - offset, 0],
                table[_TABLE_SIZE - offset, 1])
        kept = [(base + k - 1, t) for k, t in enumerate(taps) if 0 <= base + k - 1 < in_size]
        total = sum(t for _, t in kept)
        for index, tap in kept:
            weights[o, index] = tap / total if abs(total) >= 1000.0 * np.finfo(np.float32).tiny else tap
    return weights


def _area(in_size: int, out_size: int, scale: float) -> np.ndarray:
    weights = np.zeros((out_size, in_size))
    for o in range(out_size):
        low, high = o * scale, (o + 1) * scale
        for i in range(math.floor(low), math.ceil(high)):
            weights[o, min(max(i, 0), in_size - 1)] += (min(i + 1, high) - max(i, low)) / scale
    return weights


_TF_RESIZE_SCALED = {"bilinear": _bilinear, "nearest": _nearest, "bicubic": _bicubic, "area": _area}


def tf_resize_matrix(in_size: int, out_size: int, method: str) -> torch.Tensor:
    """The float32 ``(out_size, in_size)`` matrix of ``tf.image.resize(method, antialias=False)`` on one axis."""
    if method not in TF_RESIZE_METHODS:
        raise ValueError(f"Unknown interpolation {method!r}: expected one of {list(TF_RESIZE_METHODS)}.")
    if method in _SCALE_AND_TRANSLATE:
        weights = _scale_and_translate(in_size, out_size, method)
    else:
        # TF's resize ops compute the input/output ratio in float32.
        scale = float(np.float32(in_size) / np.float32(out_size))
        weights = _TF_RESIZE_SCALED[method](in_size, out_size, scale)
    return torch.from_numpy(weights.astype(np.float32))


def tf_resize_images(images: torch.Tensor, size, method: str) -> torch.Tensor:
    """Resize ``(..., height, width, channels)`` images to ``size = (height, width)`` as ``tf.image.resize``.

    The result is float32 (TF's resize returns float32 for every input dtype).
    """
    images = images.to(torch.float32)
    rows = tf_resize_matrix(images.shape[-3], int(size[0]), method).to(images.device)
    cols = tf_resize_matrix(images.shape[-2], int(size[1]), method).to(images.device)
    return torch.einsum("oh,...hwc,pw->...opc", rows, images, cols)
