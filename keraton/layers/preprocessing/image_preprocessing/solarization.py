"""``Solarization``: invert the pixel values above a (random) threshold, after a (random) brightening."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
    per_image,
    standardize_value_range,
    transform_value_range,
    uniform,
)

_FACTOR_ERROR = ("The `addition_factor` and `threshold_factor` arguments should be a number "
                 "(or a list of two numbers) in the range [0, 1]. ")


class Solarization(BaseColorAugmentation):
    """Randomly solarize images in training, as ``keras.layers.Solarization``.

    On the images mapped from ``value_range`` to ``[0, 255]``, per image:
    ``y = clip(x + a, 0, 255)``, then ``y`` where ``y < t``, else ``255 - y``,
    mapped back.  ``a`` and ``t`` are uniform in ``[lower, upper * 255]`` of
    ``addition_factor`` and ``threshold_factor`` (Keras scales only the upper
    bound); a number ``f`` (in ``[0, 1]``) means ``(0, f)``.  With the
    defaults (both 0) every pixel is inverted.  Identity in inference.

    Args:
        addition_factor: a number or a pair in ``[0, 1]``: the brightening, as a fraction of 255.
        threshold_factor: a number or a pair in ``[0, 1]``: the threshold, as a fraction of 255.
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = keraton.layers.Solarization()  # threshold 0: invert everything
        >>> layer(torch.tensor([[[[100.0], [200.0]]]]), training=True).flatten()
        tensor([155.,  55.])
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._standardize_factor(addition_factor, "addition_factor")
        self.threshold_factor = self._standardize_factor(threshold_factor, "threshold_factor")
        self.value_range = standardize_value_range(value_range, self.name)

    def _standardize_factor(self, factor, name: str) -> tuple:
        message = f"Layer '{self.name}': {_FACTOR_ERROR}Received: {name}={factor!r}"
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(isinstance(f, (int, float)) and 0 <= f <= 1 for f in factor):
                raise ValueError(message)
            return tuple(sorted(factor))
        if isinstance(factor, (int, float)) and not isinstance(factor, bool) and 0 <= factor <= 1:
            return (0, factor)
        raise ValueError(message)

    def _draw(self, batch_size, generator):
        shape = (batch_size, 1, 1, 1)
        a, t = self.addition_factor, self.threshold_factor
        return {"additions": uniform(shape, a[0], a[1] * 255, generator),
                "thresholds": uniform(shape, t[0], t[1] * 255, generator)}

    def _transform(self, images, transformation):
        if transformation is None:
            return images
        thresholds = per_image(transformation["thresholds"], images)
        additions = per_image(transformation["additions"], images)
        images = transform_value_range(images, self.value_range, (0, 255))
        results = torch.clip(images + additions, 0, 255)
        results = torch.where(results < thresholds, results, 255 - results)
        return transform_value_range(results, (0, 255), self.value_range).to(self._dtype)

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``value_range``, ``addition_factor``, ``threshold_factor``, ``seed``."""
        config = super().get_config()
        config.update({"value_range": self.value_range, "addition_factor": self.addition_factor,
                       "threshold_factor": self.threshold_factor, "seed": self.seed})
        return config
