"""Affine resampling of NHWC images: Keras 3's ``ops.image.affine_transform`` on torch.

A transform is Keras's 8-vector ``[a0, a1, a2, b0, b1, b2, c0, c1]`` mapping
an output pixel ``(x, y)`` to the input point ``(a0 x + a1 y + a2,
b0 x + b1 y + b2)`` (``c0 = c1 = 0``: no projective part is used by the
layers here).  Sampling follows Keras's ``map_coordinates``: nearest
(round half to even) or bilinear, with out-of-image points handled by
``fill_mode`` (``'reflect'`` d c b a | a b c d | d c b a, ``'wrap'``,
``'nearest'``, ``'constant'`` with ``fill_value``).
"""

from __future__ import annotations

import torch

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _fix_index(index: torch.Tensor, size: int, fill_mode: str) -> torch.Tensor:
    if fill_mode == "wrap":
        return index % size
    if fill_mode == "reflect":
        # Keras's reflect fixer: a triangular wave of period 2 * size over 2 * index + 1.
        s = 2 * size
        mirrored = torch.abs((2 * index + 1 + s) % (2 * s) - s)
        return torch.div(mirrored - 1, 2, rounding_mode="floor")
    return index.clamp(0, size - 1)


def _nodes(coordinate: torch.Tensor, interpolation: str) -> list:
    if interpolation == "nearest":
        return [(torch.round(coordinate).long(), None)]
    lower = torch.floor(coordinate)
    upper_weight = coordinate - lower
    return [(lower.long(), 1 - upper_weight), (lower.long() + 1, upper_weight)]


def affine_transform(images: torch.Tensor, transform: torch.Tensor, interpolation="bilinear",
                     fill_mode="constant", fill_value=0.0) -> torch.Tensor:
    """Resample a ``(B, H, W, C)`` float image batch through ``(B, 8)`` transforms."""
    batch, height, width, channels = images.shape
    dtype = images.dtype
    transform = transform.to(dtype)
    ys = torch.arange(height, dtype=dtype, device=images.device).view(1, height, 1)
    xs = torch.arange(width, dtype=dtype, device=images.device).view(1, 1, width)
    t = [transform[:, i].view(batch, 1, 1) for i in range(6)]
    x_in = t[0] * xs + t[1] * ys + t[2]
    y_in = t[3] * xs + t[4] * ys + t[5]
    return sample(images, x_in, y_in, interpolation, fill_mode, fill_value)


def sample(images: torch.Tensor, x_in: torch.Tensor, y_in: torch.Tensor, interpolation: str,
           fill_mode: str = "constant", fill_value=0.0) -> torch.Tensor:
    """Sample a ``(B, H, W, C)`` batch at the ``(B, H, W)`` input points, as Keras's ``map_coordinates``."""
    batch, height, width, channels = images.shape
    flat = images.reshape(batch, height * width, channels)
    out = torch.zeros_like(images)
    for yi, wy in _nodes(y_in, interpolation):
        for xi, wx in _nodes(x_in, interpolation):
            index = _fix_index(yi, height, fill_mode) * width + _fix_index(xi, width, fill_mode)
            values = torch.gather(flat, 1, index.reshape(batch, -1, 1).expand(-1, -1, channels))
            values = values.reshape(batch, height, width, channels)
            if fill_mode == "constant":
                valid = (yi >= 0) & (yi < height) & (xi >= 0) & (xi < width)
                values = torch.where(valid.unsqueeze(-1), values,
                                     torch.as_tensor(fill_value, dtype=images.dtype))
            if wy is not None:
                values = values * (wy * wx).unsqueeze(-1)
            out = out + values
    return out
