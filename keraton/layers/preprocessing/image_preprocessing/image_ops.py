"""Image resizing shared by ``Resizing`` and ``CenterCrop``: Keras's ``ops.image.resize`` on torch."""

from __future__ import annotations

import torch
import torch.nn.functional as F

# Keras's torch backend maps 'nearest' to torch's 'nearest-exact' (half-pixel centers).
RESIZE_INTERPOLATIONS = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic"}


def aspect_ratio_crop_box(height: int, width: int, target_height: int, target_width: int):
    """The centered ``(h_start, w_start, crop_h, crop_w)`` box of the target's aspect ratio (Keras's arithmetic)."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return (int(float(height - crop_height) / 2), int(float(width - crop_width) / 2),
            crop_height, crop_width)


def resize_images(images: torch.Tensor, size, interpolation="bilinear", antialias=False,
                  crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_value=0.0,
                  data_format="channels_last", layer_name="resize") -> torch.Tensor:
    """Resize a rank-3 or rank-4 image tensor to ``size = (height, width)`` as Keras 3 on torch.

    Half-pixel centers (``align_corners=False``) for bilinear/bicubic,
    ``'nearest-exact'`` for nearest, optional center crop or symmetric
    padding to the target aspect ratio first.  Integer images are computed in
    float32, rounded and saturated back to their dtype; float images come back
    in float32 or float64.
    """
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"Layer '{layer_name}': invalid value for argument `interpolation`: expected one of "
            f"{sorted(RESIZE_INTERPOLATIONS)}, received interpolation={interpolation!r}."
        )
    if images.dim() not in (3, 4):
        raise ValueError(
            f"Layer '{layer_name}': expected images of rank 3 (single image) or 4 (batch of "
            f"images), received input of shape {tuple(images.shape)}."
        )
    out_dtype = images.dtype
    squeeze = images.dim() == 3
    x = images.unsqueeze(0) if squeeze else images
    if x.dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    target_height, target_width = size
    height, width = x.shape[-2], x.shape[-1]
    if crop_to_aspect_ratio:
        h0, w0, ch, cw = aspect_ratio_crop_box(height, width, target_height, target_width)
        x = x[:, :, h0:h0 + ch, w0:w0 + cw]
    elif pad_to_aspect_ratio:
        pad_height = max(height, int(float(width * target_height) / target_width))
        pad_width = max(width, int(float(height * target_width) / target_height))
        h_pad = int(float(pad_height - height) / 2)
        w_pad = int(float(pad_width - width) / 2)
        # Keras pads h_pad on each side (so an odd difference loses one row); so does this.
        x = F.pad(x, (w_pad, w_pad, h_pad, h_pad), value=float(fill_value))
    antialias = bool(antialias) and interpolation in ("bilinear", "bicubic")
    align_corners = False if interpolation in ("bilinear", "bicubic") else None
    out = F.interpolate(x, size=(int(target_height), int(target_width)),
                        mode=RESIZE_INTERPOLATIONS[interpolation], align_corners=align_corners,
                        antialias=antialias)
    if data_format == "channels_last":
        out = out.permute(0, 2, 3, 1)
    if squeeze:
        out = out.squeeze(0)
    if not out_dtype.is_floating_point and out_dtype != torch.bool:
        info = torch.iinfo(out_dtype)
        out = out.round().clamp(info.min, info.max).to(out_dtype)
    return out
