"""``RandomColorJitter``: random brightness, contrast, saturation and hue, one after the other."""

from __future__ import annotations

from keraton.layers.preprocessing.image_preprocessing.color_ops import BaseColorAugmentation
from keraton.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from keraton.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from keraton.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from keraton.layers.preprocessing.image_preprocessing.random_saturation import RandomSaturation


class RandomColorJitter(BaseColorAugmentation):
    """Randomly jitter colors in training, as ``keras.layers.RandomColorJitter``.

    Applies, in this order and only for the factors given,
    ``RandomBrightness(brightness_factor)``, ``RandomContrast(contrast_factor)``,
    ``RandomSaturation(saturation_factor)`` and ``RandomHue(hue_factor)``, all
    with ``value_range`` (see those layers for the factor semantics).  As
    Keras, the sub-layers are attributes (``random_brightness``, ...) and
    their draws come from this layer's random stream.  Identity in inference.
    Unlike Keras, whose sub-layers always read channels_last, ``data_format``
    applies to every step.

    Args:
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        brightness_factor: ``RandomBrightness``'s factor, or ``None`` to skip it.
        contrast_factor: ``RandomContrast``'s factor, or ``None``.
        saturation_factor: ``RandomSaturation``'s factor, or ``None``.
        hue_factor: ``RandomHue``'s factor, or ``None``.
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = keraton.layers.RandomColorJitter(brightness_factor=0.2, hue_factor=0.1, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3) * 255, training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self.random_brightness = self.random_contrast = None
        self.random_saturation = self.random_hue = None
        if brightness_factor is not None:
            self.random_brightness = RandomBrightness(brightness_factor, value_range=value_range, seed=seed)
        if contrast_factor is not None:
            self.random_contrast = RandomContrast(contrast_factor, value_range=value_range, seed=seed)
        if saturation_factor is not None:
            self.random_saturation = RandomSaturation(saturation_factor, value_range=value_range, seed=seed)
        if hue_factor is not None:
            self.random_hue = RandomHue(hue_factor, value_range=value_range, seed=seed)
        for step in self._steps():
            # One stream for all steps (Keras draws every step from the jitter's seed generator);
            # sub-layers seeded alike would otherwise draw the same numbers.
            step._generator = self._generator

    def _steps(self) -> list:
        return [s for s in (self.random_brightness, self.random_contrast, self.random_saturation,
                            self.random_hue) if s is not None]

    def _draw(self, batch_size, generator):
        return None  # as Keras: each step draws its own transformation inside transform_images

    def _transform(self, images, transformation=None):
        for step in self._steps():  # channels_last steps on the channels_last batch
            step_transformation = step.get_random_transformation(images, training=True)
            images = step.transform_images(images, step_transformation).to(self._dtype)
        return images

    def get_config(self) -> dict:
        """Keras's config: ``data_format``, ``value_range`` and the four factors (as given), ``seed``."""
        config = super().get_config()
        config.update({"value_range": self.value_range, "brightness_factor": self.brightness_factor,
                       "contrast_factor": self.contrast_factor, "saturation_factor": self.saturation_factor,
                       "hue_factor": self.hue_factor, "seed": self.seed})
        return config
