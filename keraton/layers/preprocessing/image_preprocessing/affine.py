"""Affine resampling of NHWC images for the augmentation layers: ``ops.image.affine_transform``.

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


def affine_transform(images: torch.Tensor, transform: torch.Tensor, interpolation="bilinear",
                     fill_mode="constant", fill_value=0.0) -> torch.Tensor:
    """Resample a ``(B, H, W, C)`` float image batch through ``(B, 8)`` transforms
    (``keraton.ops.image.affine_transform``, channels_last)."""
    from keraton.ops.image import affine_transform as resample  # lazy: keraton.ops imports layers

    return resample(images, transform.to(images.dtype), interpolation=interpolation,
                    fill_mode=fill_mode, fill_value=fill_value, data_format="channels_last")
