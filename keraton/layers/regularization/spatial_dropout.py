"""``SpatialDropout1D/2D/3D``: drop whole feature maps (channels) instead of single entries."""

from __future__ import annotations

from keraton.layers.input_spec import InputSpec
from keraton.layers.layer import Layer
from keraton.layers.regularization.dropout import Dropout
from keraton.utils.argument_validation import standardize_data_format


class BaseSpatialDropout(Dropout):
    """Dropout whose mask is shared over the spatial axes: one keep/drop draw per (example, channel).

    As Keras, it is active only in training; kept channels are scaled by
    ``1 / (1 - rate)``.  Keras 3's config for these layers holds only
    ``rate``, ``seed``, ``name``, ``dtype`` (and ``data_format``); keraton's
    also holds ``trainable`` and the dtype policy, as every other layer.
    """

    _rank = 3

    def __init__(self, rate, seed=None, data_format=None, **kwargs):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, noise_shape=self._noise_shape(data_format), seed=seed, **kwargs)
        self.input_spec = InputSpec(ndim=self._rank)

    def _noise_shape(self, data_format):
        self.data_format = standardize_data_format(data_format)
        spatial = (1,) * (self._rank - 2)
        if self.data_format == "channels_first":
            return (None, None) + spatial
        return (None,) + spatial + (None,)

    def get_config(self) -> dict:
        """Keras's spatial dropout config: rate, seed (and data_format for 2D/3D)."""
        config = Layer.get_config(self)
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class SpatialDropout1D(BaseSpatialDropout):
    """Spatial 1D dropout, as ``keras.layers.SpatialDropout1D``: drops whole channels of ``(batch, steps, channels)``.

    Args:
        rate: fraction of channels to drop, in ``[0, 1]``.
        seed: optional integer seed.

    Example:
        >>> layer = keraton.layers.SpatialDropout1D(0.5)
        >>> y = layer(torch.ones(2, 3, 4), training=True)  # each (example, channel) all 0 or all 2
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, data_format="channels_last", **kwargs)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return input_shape


class SpatialDropout2D(BaseSpatialDropout):
    """Spatial 2D dropout, as ``keras.layers.SpatialDropout2D``: drops whole channels of 4D images.

    Args:
        rate: fraction of channels to drop, in ``[0, 1]``.
        data_format: ``'channels_last'`` (default from ``image_data_format()``) or ``'channels_first'``.
        seed: optional integer seed.

    Example:
        >>> layer = keraton.layers.SpatialDropout2D(0.5)
        >>> layer(torch.ones(2, 4, 4, 3)).shape  # inference: unchanged
        torch.Size([2, 4, 4, 3])
    """

    _rank = 4

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, data_format=data_format, **kwargs)

    def get_config(self) -> dict:
        """Keras's config: rate, seed, data_format."""
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout3D(SpatialDropout2D):
    """Spatial 3D dropout, as ``keras.layers.SpatialDropout3D``: drops whole channels of 5D volumes.

    Args:
        rate: fraction of channels to drop, in ``[0, 1]``.
        data_format: ``'channels_last'`` (default from ``image_data_format()``) or ``'channels_first'``.
        seed: optional integer seed.

    Example:
        >>> layer = keraton.layers.SpatialDropout3D(0.5, data_format="channels_first")
        >>> layer(torch.ones(1, 2, 3, 3, 3), training=True).shape
        torch.Size([1, 2, 3, 3, 3])
    """

    _rank = 5
