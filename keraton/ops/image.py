"""``keras.ops.image``: Keras 3's image ops, computed with torch.

Images are rank 3 (one image) or rank 4 (a batch); ``data_format=None``
means ``keraton.backend.image_data_format()``.  Values, dtypes and shapes
follow Keras 3 on its torch backend; where that backend contradicts Keras's
documentation or its other backends, the function's docstring says which
behaviour is kept.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator

import numpy as np
import torch
import torch.nn.functional as F

from keraton.layers.preprocessing.image_preprocessing.image_ops import (
    RESIZE_INTERPOLATIONS,
    resize_images,
)
from keraton.ops._utils import convert_to_tensor, keras_op, standardize_dtype
from keraton.utils.argument_validation import standardize_data_format

__all__ = [
    "affine_transform", "crop_images", "elastic_transform", "extract_patches",
    "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
    "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate",
    "sobel_edges", "ssim",
]

_INTERPOLATION_ORDERS = {"nearest": 0, "bilinear": 1}
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


# --------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- colour


@keras_op
def rgb_to_grayscale(images, data_format=None):
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` keeping a channel axis of size 1 (Keras's weights).

    The result keeps the input dtype (integer images are truncated, as in Keras
    on torch); single-channel images are returned as a copy.
    """
    data_format = standardize_data_format(data_format)
    images = convert_to_tensor(images)
    _check_rank(images)
    axis = -1 if data_format == "channels_last" else -3
    if images.shape[axis] not in (1, 3):
        raise ValueError(
            "rgb_to_grayscale expects 3 (RGB) or 1 (grayscale) channels. Received input with "
            f"shape: images.shape={tuple(images.shape)} (data_format={data_format!r}).")
    if images.shape[axis] == 1:
        return images.clone()
    r, g, b = images.unbind(axis)
    return (0.2989 * r + 0.587 * g + 0.114 * b).to(images.dtype).unsqueeze(axis)


def _color_planes(images, data_format: str, op: str):
    images = convert_to_tensor(images)
    _check_rank(images)
    if not images.is_floating_point():
        raise ValueError(
            f"Invalid images dtype for {op}: expected a float dtype. Received: "
            f"images.dtype={str(images.dtype).replace('torch.', '')}. Cast the images to float.")
    axis = -1 if data_format == "channels_last" else -3
    if images.shape[axis] != 3:
        raise ValueError(f"{op} expects 3 channels; received images.shape={tuple(images.shape)}.")
    return images, axis


@keras_op
def rgb_to_hsv(images, data_format=None):
    """RGB in ``[0, 1]`` to HSV with all of hue, saturation and value in ``[0, 1]`` (Keras's).

    Float images only; values smaller in magnitude than the dtype's epsilon count as 0.
    """
    images, axis = _color_planes(images, standardize_data_format(data_format), "rgb_to_hsv")
    eps = torch.finfo(images.dtype).eps
    images = torch.where(images.abs() < eps, torch.zeros_like(images), images)
    r, g, b = images.unbind(axis)
    value = torch.maximum(torch.maximum(r, g), b)
    spread = value - torch.minimum(torch.minimum(r, g), b)
    saturation = torch.where(value > 0, spread / torch.where(value > 0, value, 1.0), 0.0)
    norm = 1.0 / (6.0 * torch.where(spread > 0, spread, 1.0))
    hue = torch.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = torch.where(value == r, norm * (g - b), hue)
    hue = torch.where(spread > 0, hue, 0.0) + (hue < 0.0).to(hue.dtype)
    return torch.stack([hue, saturation, value], dim=axis)


@keras_op
def hsv_to_rgb(images, data_format=None):
    """HSV (each in ``[0, 1]``) back to RGB, the inverse of :func:`rgb_to_hsv`; float images only."""
    images, axis = _color_planes(images, standardize_data_format(data_format), "hsv_to_rgb")
    hue, saturation, value = images.unbind(axis)
    sector = torch.remainder(hue, 1.0) * 6.0
    red = torch.clip(torch.abs(sector - 3.0) - 1.0, 0.0, 1.0)
    green = torch.clip(2.0 - torch.abs(sector - 2.0), 0.0, 1.0)
    blue = torch.clip(2.0 - torch.abs(sector - 4.0), 0.0, 1.0)
    grey = 1.0 - saturation
    return torch.stack([value * (grey + saturation * c) for c in (red, green, blue)], dim=axis)


# --------------------------------------------------------------------------- resizing, padding


@keras_op
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize to ``size = (height, width)`` as Keras 3 on torch (``F.interpolate``, half-pixel).

    ``'nearest'`` is torch's ``'nearest-exact'``; ``antialias`` applies to bilinear
    and bicubic.  Optionally center-crop or pad (with ``fill_value``) to the target
    aspect ratio first.  The result keeps the input dtype (integers rounded).
    """
    data_format = standardize_data_format(data_format)
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers (height, width). "
                         f"Received: size={size}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"`size` must have positive height and width. Received: size={size}")
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"Invalid value for argument `interpolation`: expected one of "
            f"{sorted(RESIZE_INTERPOLATIONS)} (Keras's torch backend has no 'area' or 'lanczos' "
            f"resizing). Received: interpolation={interpolation!r}")
    if fill_mode != "constant":
        raise ValueError(f"Invalid value for argument `fill_mode`: only 'constant' is supported. "
                         f"Received: fill_mode={fill_mode!r}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be True.")
    images = convert_to_tensor(images)
    _check_rank(images)
    out = resize_images(images, (int(size[0]), int(size[1])), interpolation, antialias,
                        crop_to_aspect_ratio, pad_to_aspect_ratio, fill_value, data_format)
    # The shared helper returns float32 for half-precision and bool images; Keras casts back.
    return out if out.dtype == images.dtype else out.to(images.dtype)


def _resolve_sides(before, after, target, extent: int, names: tuple, op: str):
    """The two margins along one axis, given exactly two of ``before``, ``after``, ``target``."""
    if [before, after, target].count(None) != 1:
        raise ValueError(
            f"{op}: must specify exactly two of {', '.join(names)}. Received: "
            f"{names[0]}={before}, {names[1]}={after}, {names[2]}={target}")
    for name, value in zip(names, (before, after, target)):
        if value is not None and value < 0:
            raise ValueError(f"{op}: {name} must be >= 0. Received: {name}={value}")
    sign = 1 if op == "pad_images" else -1  # padding grows the image, cropping shrinks it
    if before is None:
        before = sign * (target - extent) - after
    if after is None:
        after = sign * (target - extent) - before
    for name, value in zip(names[:2], (before, after)):
        if value < 0:
            raise ValueError(
                f"{op}: {name} must be >= 0, but {names[2]}={target} with the other margin and "
                f"the image extent {extent} makes it {value}.")
    if sign < 0 and before + after > extent:
        raise ValueError(f"{op}: cropping {before} + {after} exceeds the image extent {extent}.")
    return int(before), int(after)


@keras_op
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pad images; give exactly two of top/bottom/target height, and of left/right/width."""
    data_format = standardize_data_format(data_format)
    images = convert_to_tensor(images)
    _check_rank(images)
    h_axis, w_axis = _hw_axes(data_format)
    top, bottom = _resolve_sides(top_padding, bottom_padding, target_height, images.shape[h_axis],
                                 ("top_padding", "bottom_padding", "target_height"), "pad_images")
    left, right = _resolve_sides(left_padding, right_padding, target_width, images.shape[w_axis],
                                 ("left_padding", "right_padding", "target_width"), "pad_images")
    pads = (left, right, top, bottom)
    if data_format == "channels_last":
        pads = (0, 0) + pads
    return F.pad(images, pads)


@keras_op
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crop images; give exactly two of top/bottom/target height, and of left/right/width."""
    data_format = standardize_data_format(data_format)
    images = convert_to_tensor(images)
    _check_rank(images)
    h_axis, w_axis = _hw_axes(data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    top, bottom = _resolve_sides(top_cropping, bottom_cropping, target_height, height,
                                 ("top_cropping", "bottom_cropping", "target_height"), "crop_images")
    left, right = _resolve_sides(left_cropping, right_cropping, target_width, width,
                                 ("left_cropping", "right_cropping", "target_width"), "crop_images")
    images = images.narrow(h_axis, top, height - top - bottom)
    return images.narrow(w_axis, left, width - left - right)


# --------------------------------------------------------------------------- patches


def _spatial_tuple(value, rank: int, name: str) -> tuple:
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"Invalid `{name}` argument: expected an int or a tuple of {rank} ints. "
                         f"Received: {name}={value}")
    return value


def _extract(images, size, strides, dilation_rate, padding, data_format, rank: int, op: str):
    """Patches of ``rank`` spatial dims, each flattened in (spatial..., channel) order.

    Keras computes them as a convolution with an identity kernel; slicing windows
    gives the same numbers for every dtype.
    """
    data_format = standardize_data_format(data_format)
    images = convert_to_tensor(images)
    _check_rank(images, "volumes" if rank == 3 else "images", (rank + 1, rank + 2))
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"Invalid `padding` argument: expected 'valid' or 'same'. "
                         f"Received: padding={padding!r}")
    size = _spatial_tuple(size, rank, "size")
    strides = _spatial_tuple(strides or size, rank, "strides")
    dilation = _spatial_tuple(dilation_rate, rank, "dilation_rate")
    unbatched = images.dim() == rank + 1
    x = images.unsqueeze(0) if unbatched else images
    if data_format == "channels_last":
        x = x.movedim(-1, 1)
    spans = [(k - 1) * d + 1 for k, d in zip(size, dilation)]
    if padding.lower() == "same":
        pads = []
        for n, span, s in zip(x.shape[2:], spans, strides):
            # TensorFlow's "same": the odd pixel of padding goes after.
            total = max(0, (-(-n // s) - 1) * s + span - n)
            pads.append((total // 2, total - total // 2))
        x = F.pad(x, [p for pair in reversed(pads) for p in pair])
    for i, (n, span, s, d) in enumerate(zip(x.shape[2:], spans, strides, dilation)):
        if n < span:
            raise ValueError(f"{op}: a patch spans {span} pixels along spatial axis {i} (size "
                             f"{size[i]}, dilation {d}) but the input has only {n}.")
        x = x.unfold(2 + i, span, s)[..., ::d]
    # (B, C, out..., k...) -> (B, out..., k..., C) -> (B, out..., prod(k) * C)
    x = x.permute(0, *range(2, 2 + rank), *range(2 + rank, 2 + 2 * rank), 1)
    x = x.reshape(*x.shape[:1 + rank], -1)
    if data_format == "channels_first":
        x = x.movedim(-1, 1)
    return x.squeeze(0) if unbatched else x


@keras_op
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of ``size`` laid out along the channel axis, as Keras (``size`` of 3 -> 3D patches).

    Each patch is flattened in (row, column, channel) order; ``strides`` defaults
    to ``size``; ``padding='same'`` pads as TensorFlow (extra pixel after).
    """
    if not isinstance(size, int):
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"Invalid `size` argument: expected an int or a tuple. "
                            f"Received: size={size} of type {type(size).__name__}")
        if len(size) not in (2, 3):
            raise ValueError(f"Invalid `size` argument: expected a tuple of length 2 or 3. "
                             f"Received: size={size} with length {len(size)}")
    rank = 3 if not isinstance(size, int) and len(size) == 3 else 2
    return _extract(images, size, strides, dilation_rate, padding, data_format, rank,
                    "extract_patches")


@keras_op
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """3D patches of ``size = (depth, height, width)`` from 4D or 5D volumes, as Keras."""
    return _extract(volumes, size, strides, dilation_rate, padding, data_format, 3,
                    "extract_patches_3d")


# --------------------------------------------------------------------------- resampling


def _fix_index(index: torch.Tensor, size: int, fill_mode: str) -> torch.Tensor:
    """Map out-of-range indices back inside ``[0, size)`` the way ``fill_mode`` extends the input."""
    if fill_mode == "wrap":
        return index % size
    if fill_mode == "mirror":  # d c b | a b c d | c b a: a triangle wave of period 2 (size - 1)
        if size == 1:
            return torch.zeros_like(index)
        s = size - 1
        return torch.abs((index + s) % (2 * s) - s)
    if fill_mode == "reflect":  # c b a | a b c | c b a: the mirror wave on half-pixel positions
        s = 2 * size
        return torch.div(torch.abs((2 * index + 1 + s) % (2 * s) - s) - 1, 2, rounding_mode="floor")
    return index.clamp(0, size - 1)  # 'nearest'; 'constant' masks these indices afterwards


def _resample(inputs, coordinates, order: int, fill_mode: str, fill_value, batch_index=None):
    """Interpolate ``inputs`` at ``coordinates`` (one tensor per leading axis), as Keras's.

    With ``batch_index``, axis 0 is indexed exactly by it and the coordinates
    address the axes after it; axes past the coordinates ride along (channels).
    """
    lead = 0 if batch_index is None else 1
    sizes = inputs.shape[lead:lead + len(coordinates)]
    trailing = inputs.dim() - lead - len(coordinates)
    per_axis = []
    for coordinate in coordinates:
        if order == 0:
            if coordinate.is_floating_point():
                coordinate = torch.round(coordinate)
            per_axis.append([(coordinate.long(), None)])
        else:
            if not coordinate.is_floating_point():
                coordinate = coordinate.to(torch.float32)
            lower = torch.floor(coordinate)
            upper_weight = coordinate - lower
            per_axis.append([(lower.long(), 1 - upper_weight), (lower.long() + 1, upper_weight)])

    def expand(t):  # broadcast a per-point tensor over the trailing axes
        return t.reshape(t.shape + (1,) * trailing)

    result = None
    for nodes in itertools.product(*per_axis):
        indices = tuple(_fix_index(i, n, fill_mode) for (i, _), n in zip(nodes, sizes))
        values = inputs[indices if batch_index is None else (batch_index,) + indices]
        if fill_mode == "constant":
            valid = functools.reduce(operator.and_,
                                     [(i >= 0) & (i < n) for (i, _), n in zip(nodes, sizes)])
            values = torch.where(expand(valid), values, fill_value)
        weights = [w for _, w in nodes if w is not None]
        if weights:
            values = expand(functools.reduce(operator.mul, weights)) * values
        result = values if result is None else result + values
    return result


def _fill_scalar(fill_value, inputs: torch.Tensor):
    # An integer input gets an integer fill, as Keras does for Python-number fills.
    if isinstance(fill_value, (int, float)) and not inputs.is_floating_point():
        return int(fill_value)
    return fill_value


@keras_op
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Sample ``inputs`` at ``coordinates`` (``scipy.ndimage.map_coordinates`` for order 0 or 1).

    ``coordinates`` has one array per input axis; ``order=0`` rounds half to even,
    ``order=1`` is linear.  ``fill_mode`` is 'constant', 'nearest', 'wrap',
    'mirror' or 'reflect'.  The result keeps ``inputs``'s dtype (integers rounded).
    """
    inputs = convert_to_tensor(inputs)
    coordinates = [convert_to_tensor(c) for c in coordinates]
    if len(coordinates) != inputs.dim():
        raise ValueError(
            "First dim of `coordinates` must be the same as the rank of `inputs`. Received "
            f"inputs with shape {tuple(inputs.shape)} and {len(coordinates)} coordinate arrays.")
    if coordinates[0].dim() < 1:
        raise ValueError("Invalid coordinates rank: expected at least rank 2, i.e. one array of "
                         f"points per input axis. Received shape ({len(coordinates)},).")
    _check_choice(fill_mode, _FILL_MODES, "fill_mode")
    if order not in (0, 1):
        raise NotImplementedError(
            f"map_coordinates supports order 0 (nearest) or 1 (linear) only, as Keras on torch. "
            f"Received: order={order}")
    result = _resample(inputs, coordinates, order, fill_mode, _fill_scalar(fill_value, inputs))
    return _cast_back(result, inputs.dtype)


def _coordinate_dtype(dtype: torch.dtype) -> torch.dtype:
    return dtype if dtype.is_floating_point else torch.float32


@keras_op
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Resample images through ``[a0, a1, a2, b0, b1, b2, c0, c1]`` transforms, as Keras on torch.

    An output pixel ``(x, y)`` reads the input at ``(a0 x + a1 y + a2, b0 x + b1 y + b2)``;
    ``c0``/``c1`` are ignored (Keras documents them as TensorFlow-only).  One transform
    (rank 1 or a batch of one) applies to every image.  The result keeps the image dtype.
    """
    data_format = standardize_data_format(data_format)
    _check_choice(interpolation, _INTERPOLATION_ORDERS, "interpolation")
    _check_choice(fill_mode, _FILL_MODES, "fill_mode")
    images = convert_to_tensor(images)
    transform = convert_to_tensor(transform)
    _check_rank(images)
    if transform.dim() not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError(
            "Invalid transform: expected shape (8,) (single transform) or (N, 8) (batch of "
            f"transforms). Received input with shape: transform.shape={tuple(transform.shape)}")
    x, restore = _batched(images, data_format, "nhwc")
    batch, height, width, _ = x.shape
    transform = transform.reshape(-1, 8).to(_coordinate_dtype(transform.dtype))
    if transform.shape[0] not in (1, batch):
        raise ValueError(f"affine_transform: got {transform.shape[0]} transforms for a batch of "
                         f"{batch} images; pass one transform or one per image.")
    t = transform.reshape(-1, 8, 1, 1).expand(batch, 8, 1, 1)
    ys = torch.arange(height, dtype=t.dtype, device=x.device).view(1, height, 1)
    xs = torch.arange(width, dtype=t.dtype, device=x.device).view(1, 1, width)
    # Same order of operations as Keras (row term, column term, then offset).
    y_in = (ys * t[:, 4] + xs * t[:, 3]) + t[:, 5]
    x_in = (ys * t[:, 1] + xs * t[:, 0]) + t[:, 2]
    batch_index = torch.arange(batch, device=x.device).view(batch, 1, 1)
    out = _resample(x, [y_in, x_in], _INTERPOLATION_ORDERS[interpolation], fill_mode,
                    _fill_scalar(fill_value, x), batch_index)
    return restore(_cast_back(out, images.dtype))


def _homography(start_points: torch.Tensor, end_points: torch.Tensor, dtype) -> torch.Tensor:
    """The ``(N, 8)`` projective transforms mapping ``end_points`` onto ``start_points``."""
    solve_dtype = torch.promote_types(dtype, torch.float32)  # torch.linalg.solve needs >= fp32
    s = start_points.to(solve_dtype)
    e = end_points.to(solve_dtype)
    zeros, ones = torch.zeros_like(e[:, :, 0]), torch.ones_like(e[:, :, 0])
    ex, ey, sx, sy = e[:, :, 0], e[:, :, 1], s[:, :, 0], s[:, :, 1]
    rows_x = torch.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], dim=-1)
    rows_y = torch.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], dim=-1)
    matrix = torch.stack([rows_x, rows_y], dim=2).reshape(-1, 8, 8)  # x row, y row per point
    target = torch.stack([sx, sy], dim=-1).reshape(-1, 8, 1)
    return torch.linalg.solve(matrix, target).reshape(-1, 8).to(dtype)


@keras_op
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warp images so that the four ``start_points`` land on ``end_points`` (``(x, y)`` pairs).

    Points are ``(4, 2)`` or ``(N, 4, 2)`` and are cast to the image dtype, as Keras
    does; pixels from outside the image get ``fill_value``.  Keeps the image dtype.
    """
    data_format = standardize_data_format(data_format)
    _check_choice(interpolation, _INTERPOLATION_ORDERS, "interpolation")
    images = convert_to_tensor(images)
    start_points = convert_to_tensor(start_points, dtype=images.dtype)
    end_points = convert_to_tensor(end_points, dtype=images.dtype)
    _check_rank(images)
    for name, points in (("start_points", start_points), ("end_points", end_points)):
        if points.dim() not in (2, 3) or tuple(points.shape[-2:]) != (4, 2):
            raise ValueError(f"Invalid {name} shape: expected (4, 2) for a single image or "
                             f"(N, 4, 2) for a batch. Received shape: {tuple(points.shape)}")
    if start_points.shape != end_points.shape:
        raise ValueError("start_points and end_points must have the same shape. Received "
                         f"{tuple(start_points.shape)} and {tuple(end_points.shape)}")
    x, restore = _batched(images, data_format, "nhwc")
    batch, height, width, _ = x.shape
    transforms = _homography(start_points.reshape(-1, 4, 2), end_points.reshape(-1, 4, 2),
                             _coordinate_dtype(images.dtype))
    if transforms.shape[0] not in (1, batch):
        raise ValueError(f"perspective_transform: got {transforms.shape[0]} sets of points for a "
                         f"batch of {batch} images; pass one set or one per image.")
    t = transforms.reshape(-1, 8, 1, 1).expand(batch, 8, 1, 1)
    ys = torch.arange(height, dtype=images.dtype, device=x.device).view(1, height, 1)
    xs = torch.arange(width, dtype=images.dtype, device=x.device).view(1, 1, width)
    denominator = t[:, 6] * xs + t[:, 7] * ys + 1.0
    x_in = (t[:, 0] * xs + t[:, 1] * ys + t[:, 2]) / denominator
    y_in = (t[:, 3] * xs + t[:, 4] * ys + t[:, 5]) / denominator
    batch_index = torch.arange(batch, device=x.device).view(batch, 1, 1)
    out = _resample(x, [y_in, x_in], _INTERPOLATION_ORDERS[interpolation], "constant",
                    _fill_scalar(fill_value, x), batch_index)
    return restore(_cast_back(out, images.dtype))


# --------------------------------------------------------------------------- filters


def _gaussian_1d(size: int, sigma, dtype) -> torch.Tensor:
    x = torch.arange(size, dtype=dtype) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def _depthwise(x: torch.Tensor, kernel: torch.Tensor, padding) -> torch.Tensor:
    """Convolve each channel of NCHW ``x`` with the 2D ``kernel``; ``padding`` = (t, b, l, r)."""
    channels = x.shape[1]
    if any(padding):
        top, bottom, left, right = padding
        x = F.pad(x, (left, right, top, bottom))
    weight = kernel.to(x.dtype).expand(channels, 1, *kernel.shape)
    return F.conv2d(x, weight, groups=channels)


def _blur_nchw(x: torch.Tensor, kernel_size, sigma) -> torch.Tensor:
    # As all Keras backends build it: the kernel's rows (height) use kernel_size[1]
    # and sigma[1], its columns (width) kernel_size[0] and sigma[0].
    rows = _gaussian_1d(int(kernel_size[1]), sigma[1], x.dtype)
    cols = _gaussian_1d(int(kernel_size[0]), sigma[0], x.dtype)
    kernel = torch.outer(rows, cols)
    kh, kw = kernel.shape
    return _depthwise(x, kernel, ((kh - 1) // 2, kh // 2, (kw - 1) // 2, kw // 2))


@keras_op
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur each channel with a normalized Gaussian kernel, zero padding, same output size.

    Matches Keras 3 on torch for square kernels given ``data_format`` explicitly
    (that backend ignores ``data_format=None``'s default and treats the input as
    channels-first; here ``None`` is ``image_data_format()`` as documented).
    Non-square kernels follow Keras's other backends (rows use ``kernel_size[1]``,
    ``sigma[1]``); float images only.
    """
    data_format = standardize_data_format(data_format)
    images = convert_to_tensor(images)
    _check_rank(images)
    _require_float(images, "gaussian_blur")
    kernel_size = _spatial_tuple(kernel_size, 2, "kernel_size")
    sigma = (sigma, sigma) if isinstance(sigma, (int, float)) else sigma
    x, restore = _batched(images, data_format, "nchw")
    return restore(_blur_nchw(x, kernel_size, sigma))


@keras_op
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Displace pixels by Gaussian-smoothed random fields scaled by ``alpha`` (Keras's algorithm).

    Normal noise (stddev ``sigma``) per pixel and direction is blurred with a
    Gaussian of ``sigma`` (kernel ``int(6 sigma) | 1``), multiplied by ``alpha``
    and added to the sampling grid.  An int ``seed`` makes it reproducible;
    ``alpha=0`` is the identity.  The random numbers are not Keras's.
    """
    data_format = standardize_data_format(data_format)
    _check_choice(interpolation, _INTERPOLATION_ORDERS, "interpolation")
    _check_choice(fill_mode, _FILL_MODES, "fill_mode")
    images = convert_to_tensor(images)
    _check_rank(images)
    _require_float(images, "elastic_transform")
    if float(sigma) <= 0:
        raise ValueError(f"elastic_transform: sigma must be > 0. Received: sigma={sigma}")
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(f"elastic_transform: `seed` must be an int or None. Received: {seed!r}")
    x, restore = _batched(images, data_format, "nhwc")
    batch, height, width, _ = x.shape
    generator = None if seed is None else torch.Generator(x.device).manual_seed(int(seed))
    noise = torch.randn((2 * batch, 1, height, width), generator=generator, dtype=x.dtype,
                        device=x.device) * sigma
    size = int(6 * float(sigma)) | 1
    dy, dx = _blur_nchw(noise, (size, size), (sigma, sigma)).reshape(2, batch, height, width)
    ys = torch.arange(height, dtype=x.dtype, device=x.device).view(1, height, 1)
    xs = torch.arange(width, dtype=x.dtype, device=x.device).view(1, 1, width)
    batch_index = torch.arange(batch, device=x.device).view(batch, 1, 1)
    out = _resample(x, [ys + alpha * dy, xs + alpha * dx], _INTERPOLATION_ORDERS[interpolation],
                    fill_mode, fill_value, batch_index)
    return restore(out.to(images.dtype))


@keras_op
def sobel_edges(images, data_format=None):
    """Sobel gradients of a 4D batch: shape ``images.shape + (2,)`` holding ``[dy, dx]`` per pixel.

    3x3 Sobel kernels, zero padding, per channel, as Keras; the result keeps the
    input dtype.
    """
    data_format = standardize_data_format(data_format)
    images = convert_to_tensor(images)
    if images.dim() != 4:
        raise ValueError("Invalid images rank: sobel_edges expects rank 4 (batch of images). "
                         f"Received: images.shape={tuple(images.shape)}")
    x, restore = _batched(images, data_format, "nchw")
    compute = x if x.is_floating_point() else x.to(torch.float64)
    smooth, diff = torch.tensor([1.0, 2.0, 1.0]), torch.tensor([-1.0, 0.0, 1.0])
    dy = _depthwise(compute, torch.outer(diff, smooth), (1, 1, 1, 1))
    dx = _depthwise(compute, torch.outer(smooth, diff), (1, 1, 1, 1))
    edges = _cast_back(torch.stack([dy, dx], dim=-1), images.dtype)
    return edges.permute(0, 2, 3, 1, 4) if data_format == "channels_last" else edges


@keras_op
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Mean structural similarity of two images (Gaussian window, 'valid' filtering), as Keras.

    One value per image (averaged over pixels and channels); a scalar for rank-3
    inputs.  Computed in the float type of ``image1`` and cast back to its dtype.
    """
    data_format = standardize_data_format(data_format)
    image1, image2 = convert_to_tensor(image1), convert_to_tensor(image2)
    _check_rank(image1, "image1")
    _check_rank(image2, "image2")
    dtype = image1.dtype
    compute = dtype if dtype.is_floating_point else standardize_dtype("float32")
    x, _ = _batched(image1.to(compute), data_format, "nchw")
    y, _ = _batched(image2.to(compute), data_format, "nchw")
    if min(x.shape[-2:]) < filter_size:
        raise ValueError(f"ssim: filter_size={filter_size} is larger than the images' spatial "
                         f"size {tuple(x.shape[-2:])}; use a smaller filter_size.")
    window = _gaussian_1d(int(filter_size), filter_sigma, compute)
    kernel = torch.outer(window, window)

    def local_mean(t):
        return _depthwise(t, kernel, (0, 0, 0, 0))

    mu1, mu2 = local_mean(x), local_mean(y)
    var1 = local_mean(x * x) - mu1 * mu1
    var2 = local_mean(y * y) - mu2 * mu2
    covariance = local_mean(x * y) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    ssim_map = ((2.0 * mu1 * mu2 + c1) * (2.0 * covariance + c2)) / (
        (mu1 * mu1 + mu2 * mu2 + c1) * (var1 + var2 + c2))
    value = ssim_map.mean(dim=(2, 3)).mean(dim=1)
    return (value.squeeze(0) if image1.dim() == 3 else value).to(dtype)


# --------------------------------------------------------------------------- scale and translate


def _triangle(x):
    return torch.clamp(1.0 - x, min=0.0)


def _keys_cubic(x):  # Keys (1981) cubic with a = -0.5, on |x|
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return torch.where(x >= 2.0, 0.0, torch.where(x >= 1.0, far, near))


def _lanczos(radius: float, x):
    safe = torch.where(x != 0, x, 1.0)
    value = radius * torch.sin(math.pi * x) * torch.sin(math.pi * x / radius) / (math.pi * safe) ** 2
    return torch.where(x > radius, 0.0, torch.where(x > 1e-3, value, 1.0))


_SCALE_KERNELS = {
    "linear": _triangle, "bilinear": _triangle, "trilinear": _triangle, "triangle": _triangle,
    "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
    "lanczos3": functools.partial(_lanczos, 3.0), "lanczos5": functools.partial(_lanczos, 5.0),
}


def _sampling_weights(in_size, out_size, scale, translation, kernel, antialias):
    """``(in_size, out_size)`` weights: how much each input sample feeds each output sample."""
    inv_scale = 1.0 / scale
    # Downsampling with antialias widens the kernel by the scale factor.
    stretch = torch.clamp(inv_scale, min=1.0) if antialias else 1.0
    centers = (torch.arange(out_size, dtype=inv_scale.dtype) + 0.5) * inv_scale \
        - translation * inv_scale - 0.5
    positions = torch.arange(in_size, dtype=inv_scale.dtype)
    weights = kernel(torch.abs(centers[None, :] - positions[:, None]) / stretch)
    total = weights.sum(dim=0, keepdim=True)
    weights = torch.where(total.abs() > 1000.0 * float(np.finfo(np.float32).eps),
                          weights / torch.where(total != 0, total, 1.0), 0.0)
    inside = (centers >= -0.5) & (centers <= in_size - 0.5)
    return torch.where(inside[None, :], weights, 0.0)


@keras_op
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """``jax.image.scale_and_translate`` as in Keras: resample ``spatial_dims`` to ``output_shape``.

    Output sample ``o`` of a dim reads input position ``(o + 0.5 - translation) /
    scale - 0.5`` through the ``method``'s kernel (linear, Keys cubic, Lanczos 3/5),
    widened when downsampling with ``antialias``.  Integer images are rounded and
    clipped to their input range.
    """
    _check_choice(method, _SCALE_KERNELS, "method")
    images = convert_to_tensor(images)
    scale, translation = convert_to_tensor(scale), convert_to_tensor(translation)
    weight_dtype = torch.promote_types(scale.dtype, translation.dtype)
    if not weight_dtype.is_floating_point:
        weight_dtype = standardize_dtype("float32")
    scale, translation = scale.to(weight_dtype), translation.to(weight_dtype)
    if len(spatial_dims) == 0:
        return images
    output = images if images.is_floating_point() else images.to(torch.float32)
    for i, dim in enumerate(spatial_dims):
        dim = dim % images.dim()
        weights = _sampling_weights(images.shape[dim], int(output_shape[dim]), scale[i],
                                    translation[i], _SCALE_KERNELS[method], antialias)
        output = torch.tensordot(output, weights.to(output.dtype), dims=([dim], [0]))
        output = output.movedim(-1, dim)
    if not images.is_floating_point():
        output = torch.clip(torch.round(output), images.min(), images.max()).to(images.dtype)
    return output
