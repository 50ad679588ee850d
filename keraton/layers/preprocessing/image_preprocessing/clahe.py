"""``ContrastLimitedAdaptiveHistogramEqualization``: CLAHE, tile by tile (training and inference)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton.layers.preprocessing.image_preprocessing.color_ops import transform_value_range
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
)


def _check_pair(value, name: str, layer_name: str, integers: bool) -> None:
    kind = "positive integers" if integers else "numbers"
    ok = isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    if ok and integers:
        ok = all(isinstance(v, int) and v > 0 for v in value)
    if not ok:
        raise ValueError(f"Layer '{layer_name}': `{name}` must be a list or tuple of two {kind}. "
                         f"Received: {name}={value!r}")


def tile_mappings(images: torch.Tensor, grid, clip_limit: float):
    """The clipped, normalized CDF of every tile, ``(batch, grid_h + 2, grid_w + 2, channels, 256)``.

    ``images`` is a ``(batch, H, W, C)`` batch in ``[0, 255]``, ``H`` and ``W``
    multiples of the grid.  Pixels fall into bins by truncation (Keras's int
    cast); a bin over ``clip_limit * tile_pixels / 256`` is cut and the excess
    spread evenly over all bins.  The outer ring repeats the border tiles, so
    that pixels near the image edge interpolate between equal tiles.
    """
    batch, height, width, channels = images.shape
    grid_h, grid_w = grid
    tile_h, tile_w = height // grid_h, width // grid_w
    tiles = images.reshape(batch, grid_h, tile_h, grid_w, tile_w, channels).permute(0, 1, 3, 5, 2, 4)
    bins = tiles.reshape(batch, grid_h, grid_w, channels, tile_h * tile_w).to(torch.int32).clamp(0, 255)
    hists = torch.zeros(*bins.shape[:-1], 256, dtype=torch.float32, device=images.device)
    hists.scatter_add_(-1, bins.long(), torch.ones_like(bins, dtype=torch.float32))
    if clip_limit > 0:
        # Keras's torch histograms are int64, so its limit is cast (truncated) to an integer count.
        limit = float(int(clip_limit * (tile_h * tile_w) / 256.0))
        clipped = hists.clamp(0, limit)
        hists = clipped + (hists - clipped).sum(dim=-1, keepdim=True) / 256.0
    cdf = torch.cumsum(hists, dim=-1)
    cdf_min = cdf.amin(dim=-1, keepdim=True)
    denominator = torch.tensor(tile_h * tile_w, dtype=cdf.dtype) - cdf_min
    denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
    mapping = ((cdf - cdf_min) * 255.0 / denominator).clamp(0, 255)
    mapping = torch.cat([mapping[:, :1], mapping, mapping[:, -1:]], dim=1)
    return torch.cat([mapping[:, :, :1], mapping, mapping[:, :, -1:]], dim=2)


def _grid_weights(size: int, tile: int, grid: int, device):
    """Per pixel row (or column): the two neighbouring tiles (in the padded grid) and the weight of the second."""
    position = (torch.arange(size, dtype=torch.float32, device=device) - tile / 2.0) / tile + 1.0
    low = torch.floor(position)
    weight = position - low
    return low.clamp(0, grid + 1).long(), (low + 1.0).clamp(0, grid + 1).long(), weight


def clahe(images: torch.Tensor, tile_grid_size, clip_limit: float) -> torch.Tensor:
    """CLAHE of a ``(batch, H, W, C)`` batch in ``[0, 255]`` as Keras 3 computes it on torch (float32 result).

    The image is padded at the bottom and right to a multiple of the grid by
    repeating its last row and column (Keras's torch backend turns the
    ``'symmetric'`` padding it asks for into ``'replicate'``), each pixel is
    mapped through the CDFs of its four nearest tiles and the four values
    are blended bilinearly by the pixel's position between tile centers.
    """
    batch, height, width, channels = images.shape
    grid_h, grid_w = tile_grid_size
    tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
    pad_h, pad_w = tile_h * grid_h - height, tile_w * grid_w - width
    if pad_h or pad_w:
        planes = images.permute(0, 3, 1, 2).reshape(-1, height, width)
        dtype = planes.dtype
        planes = F.pad(planes.to(torch.float32), (0, pad_w, 0, pad_h), mode="replicate").to(dtype)
        images = planes.reshape(batch, channels, height + pad_h, width + pad_w).permute(0, 2, 3, 1)
    mapping = tile_mappings(images, (grid_h, grid_w), clip_limit)
    y0, y1, wy = _grid_weights(tile_h * grid_h, tile_h, grid_h, images.device)
    x0, x1, wx = _grid_weights(tile_w * grid_w, tile_w, grid_w, images.device)
    pixels = images.clamp(0, 255).to(torch.int32).long()
    b = torch.arange(batch, device=images.device).view(-1, 1, 1, 1)
    c = torch.arange(channels, device=images.device).view(1, 1, 1, -1)
    y0, y1, wy = y0.view(1, -1, 1, 1), y1.view(1, -1, 1, 1), wy.view(1, -1, 1, 1)
    x0, x1, wx = x0.view(1, 1, -1, 1), x1.view(1, 1, -1, 1), wx.view(1, 1, -1, 1)
    top = mapping[b, y0, x0, c, pixels] * (1.0 - wx) + mapping[b, y0, x1, c, pixels] * wx
    bottom = mapping[b, y1, x0, c, pixels] * (1.0 - wx) + mapping[b, y1, x1, c, pixels] * wx
    result = top * (1.0 - wy) + bottom * wy
    return result[:, :height, :width, :]


class ContrastLimitedAdaptiveHistogramEqualization(TransformationAugmentation):
    """CLAHE, as ``keras.layers.ContrastLimitedAdaptiveHistogramEqualization``.

    The images (mapped from ``value_range`` to ``[0, 255]``) are cut into a
    ``tile_grid_size`` grid of tiles (padded at the bottom and right to fit);
    each tile's histogram of 256 bins is clipped at ``clip_limit`` times the
    mean bin height, truncated to an integer count as Keras on torch does
    (the excess spread over all bins; ``clip_limit <= 0``: no clipping; for
    tiles of fewer than ``256 / clip_limit`` pixels the limit is 0 and the
    map is nearly the identity, as in Keras) and its CDF, stretched to ``[0, 255]``, maps the pixel values;
    a pixel blends the maps of its four nearest tiles bilinearly.  Results
    are mapped back to ``value_range`` and cast to the input's dtype (float
    inputs come back in the layer's float dtype, integer ones truncated to
    their integer dtype).  Deterministic, and applied in training *and*
    inference (as Keras); its numbers equal Keras's on torch.  Given Keras's
    dict, labels, bounding boxes and segmentation masks are returned
    unchanged, since no pixel moves (Keras 3.15 lacks these hooks for this
    layer and raises ``NotImplementedError``, except for masks in inference).

    Args:
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        clip_limit: contrast limit, relative to the mean bin height (default 4.0).
        tile_grid_size: ``(rows, columns)`` of tiles (default ``(8, 8)``).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
        >>> layer(torch.randint(0, 256, (1, 8, 8, 3))).dtype
        torch.int64
    """

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        _check_pair(value_range, "value_range", self.name, integers=False)
        _check_pair(tile_grid_size, "tile_grid_size", self.name, integers=True)
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def _standardize_images(self, images, training):
        images = torch.as_tensor(images)
        standardized = super()._standardize_images(images, training)  # rank check and float cast
        return standardized if images.is_floating_point() else images

    def call(self, inputs, training=True):
        """Equalize ``inputs`` (images or Keras's dict, see the class docstring) whatever ``training`` is."""
        return super().call(inputs, training=True)

    def get_random_transformation(self, data, training=True, seed=None):
        """Nothing random: ``None``."""
        return None

    def transform_images(self, images, transformation=None, training=True):
        """CLAHE of a ``(batch, ...)`` image tensor in the layer's data_format (``training`` is ignored)."""
        images = torch.as_tensor(images)
        if images.is_floating_point():
            images = images.to(self._dtype)
        dtype = images.dtype
        x = self._channels_last(images)
        x = transform_value_range(x, self.value_range, (0, 255))
        x = clahe(x, self.tile_grid_size, float(self.clip_limit))
        x = transform_value_range(x, (0, 255), self.value_range).to(torch.float32)
        return self._from_channels_last(x.to(dtype))

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``value_range``, ``clip_limit``, ``tile_grid_size`` (as given)."""
        config = super().get_config()
        config.update({"value_range": self.value_range, "clip_limit": self.clip_limit,
                       "tile_grid_size": self.tile_grid_size})
        return config
