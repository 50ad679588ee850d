"""``keras.ops.image``: Keras 3's image ops, computed with torch.

Images are rank 3 (one image) or rank 4 (a batch); ``data_format=None``
means ``keraton.backend.image_data_format()``.  Values, dtypes and shapes
follow Keras 3 on its torch backend; where that backend contradicts Keras's
documentation or its other backends, the function's docstring says which
behaviour is kept.  The resampling ops (``map_coordinates``,
``affine_transform``, ``perspective_transform``, ``scale_and_translate``) are
written in ``image_resampling`` and exported here.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from keraton.layers.preprocessing.image_preprocessing.image_ops import (
    RESIZE_INTERPOLATIONS,
    resize_images,
)
from keraton.ops._image_checks import (
    _FILL_MODES,
    _INTERPOLATION_ORDERS,
    _batched,
    _cast_back,
    _check_choice,
    _check_rank,
    _hw_axes,
    _require_float,
)
from keraton.ops._utils import convert_to_tensor, keras_op, standardize_dtype
from keraton.ops.image_resampling import (  # noqa: F401  (public: keras.ops.image.*)
    _resample,
    affine_transform,
    map_coordinates,
    perspective_transform,
    scale_and_translate,
)
from keraton.utils.argument_validation import standardize_data_format

__all__ = [
    "affine_transform", "crop_images", "elastic_transform", "extract_patches",
    "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
    "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate",
    "sobel_edges", "ssim",
]


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


