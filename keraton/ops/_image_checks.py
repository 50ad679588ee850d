"""Argument checks and layout helpers shared by the ``keras.ops.image`` functions."""

from __future__ import annotations

import torch

_INTERPOLATION_ORDERS = {"nearest": 0, "bilinear": 1}
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")

def _check_rank(images: torch.Tensor, name: str = "images", ranks=(3, 4)) -> None:
    if images.dim() not in ranks:
        raise ValueError(
            f"Invalid {name} rank: expected rank {ranks[0]} (single image) or {ranks[1]} (batch "
            f"of images). Received input with shape: {name}.shape={tuple(images.shape)}")


def _check_choice(value, allowed, name: str) -> None:
    if value not in allowed:
        raise ValueError(
            f"Invalid value for argument `{name}`: expected one of {sorted(allowed)}. "
            f"Received: {name}={value!r}")


def _require_float(images: torch.Tensor, op: str) -> None:
    if not images.is_floating_point():
        raise TypeError(
            f"{op} expects float images; received dtype {str(images.dtype).replace('torch.', '')}. "
            "Cast them first, e.g. keraton.ops.cast(images, 'float32').")


def _batched(images: torch.Tensor, data_format: str, layout: str):
    """``images`` as a batch in ``layout`` ('nhwc' or 'nchw'), and a function undoing that."""
    squeeze = images.dim() == 3
    x = images.unsqueeze(0) if squeeze else images
    source = "nhwc" if data_format == "channels_last" else "nchw"
    to_layout, from_layout = ((0, 3, 1, 2), (0, 2, 3, 1)) if layout == "nchw" else \
        ((0, 2, 3, 1), (0, 3, 1, 2))
    if source != layout:
        x = x.permute(to_layout)

    def restore(y: torch.Tensor) -> torch.Tensor:
        if source != layout:
            y = y.permute(from_layout)
        return y.squeeze(0) if squeeze else y

    return x, restore


def _cast_back(result: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``result`` in ``dtype``, rounding (half to even) first when an integer dtype is wanted."""
    if result.dtype == dtype:
        return result
    if not dtype.is_floating_point and dtype != torch.bool and result.is_floating_point():
        result = torch.round(result)
    return result.to(dtype)


def _hw_axes(data_format: str) -> tuple:
    return (-3, -2) if data_format == "channels_last" else (-2, -1)
