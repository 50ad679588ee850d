"""``keras.ops.image`` resampling: ``map_coordinates``, ``affine_transform``,
``perspective_transform`` and ``scale_and_translate`` (part of ``keraton.ops.image``).

Values, dtypes and shapes follow Keras 3 on its torch backend; each
function's docstring says where keraton keeps Keras's documented behaviour
instead.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator

import numpy as np
import torch

from keraton.ops._image_checks import (
    _FILL_MODES,
    _INTERPOLATION_ORDERS,
    _batched,
    _cast_back,
    _check_choice,
    _check_rank,
)
from keraton.ops._utils import convert_to_tensor, keras_op, standardize_dtype
from keraton.utils.argument_validation import standardize_data_format

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
