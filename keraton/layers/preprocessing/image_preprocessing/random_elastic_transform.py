"""``RandomElasticTransform``: displace pixels along smooth random fields during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.affine import FILL_MODES, INTERPOLATIONS
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
    check_unit_factor,
)

_SEED_HIGH = 2**31 - 1
_FILL_MODES = (*FILL_MODES, "mirror")  # Keras's set for this layer


class RandomElasticTransform(TransformationAugmentation):
    """Random elastic deformation in training, as ``keras.layers.RandomElasticTransform``.

    Each image is deformed with a probability drawn uniform in ``factor``'s
    ``(lower, upper)``; one distortion strength ``d``, uniform in ``scale``'s
    range, is drawn per batch.  The deformation is
    ``keraton.ops.image.elastic_transform`` with Keras's parameters
    ``alpha = 0.1 * d * max(height, width)`` and
    ``sigma = 0.05 * d * min(height, width)``; the result is clipped to
    ``value_range``.  The transformation is Keras's ``{"apply_transform":
    (batch,) bool, "distortion_factor": (), "seed": ...}``, where ``seed`` is
    an int drawn from the layer's generator (the noise fields are then
    reproducible); applied to a transformation Keras drew (its ``seed`` a
    ``SeedGenerator``), the fields come from torch's global generator, as on
    Keras's torch backend.  Identity in inference, and when ``factor`` or
    ``scale`` is 0 (no transformation is drawn, as Keras).  Given Keras's
    dict, the segmentation masks are deformed as their images (the same
    fields for a transformation drawn here) with nearest sampling, as Keras
    does; unlike Keras, which runs them through its image path (clipped to
    ``value_range``, cast to float), they keep their values and dtype, as
    masks do in the geometric layers.  Labels are unchanged; bounding boxes
    raise ``NotImplementedError``, as in Keras.

    Args:
        factor: a number or a pair in ``[0, 1]``: probability of the deformation (default 1).
        scale: a number or a pair in ``[0, 1]``: range of the distortion strength (default 1).
        interpolation: ``'bilinear'`` (default) or ``'nearest'``.
        fill_mode: ``'reflect'`` (default), ``'mirror'``, ``'wrap'``, ``'constant'`` or ``'nearest'``.
        fill_value: value of the points outside the image with ``fill_mode='constant'``.
        value_range: ``(min, max)`` the output is clipped to (default ``(0, 255)``).
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = RandomElasticTransform(scale=0.5, value_range=(0, 1), seed=0)
        >>> layer(torch.rand(2, 16, 16, 3), training=True).shape
        torch.Size([2, 16, 16, 3])
    """

    _bounding_boxes_not_implemented = True  # as Keras: no box rule for a free-form deformation

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_unit_factor(factor, "factor", self.name)
        self.scale = check_unit_factor(scale, "scale", self.name)
        # Keras raises NotImplementedError for these two.
        if interpolation not in INTERPOLATIONS:
            raise NotImplementedError(f"Layer '{self.name}': unknown `interpolation` {interpolation!r}. "
                                      f"Expected one of {INTERPOLATIONS}.")
        if fill_mode not in _FILL_MODES:
            raise NotImplementedError(f"Layer '{self.name}': unknown `fill_mode` {fill_mode!r}. "
                                      f"Expected one of {_FILL_MODES}.")
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"apply_transform", "distortion_factor", "seed"}`` as Keras draws them (``None`` if nothing to do)."""
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_size(images)
        generator = self._generator_for(seed)
        probability = self._rand((batch,), self.factor[0], self.factor[1], generator)
        apply = self._rand((batch,), 0.0, 1.0, generator) < probability
        distortion = self._rand((), self.scale[0], self.scale[1], generator)
        noise_seed = int(torch.randint(0, _SEED_HIGH, (), generator=generator))
        device = images.device
        return {"apply_transform": apply.to(device), "distortion_factor": distortion.to(device),
                "seed": noise_seed}

    def transform_images(self, images, transformation, training=True):
        """Deform the images drawn for it, then clip every image to ``value_range``."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        return self._deform(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Deform the masks as their images, with nearest sampling (no clipping; dtype kept)."""
        masks = torch.as_tensor(segmentation_masks)
        if not training or transformation is None:
            return masks
        return self._deform(masks.to(self._dtype), transformation, "nearest", clip=False).to(masks.dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Not implemented, as in Keras: raises ``NotImplementedError``."""
        self._refuse_bounding_boxes()

    def _deform(self, images, transformation, interpolation, clip=True):
        from keraton.ops.image import elastic_transform  # lazy: keraton.ops imports the layers

        height_axis, width_axis, _ = self._spatial_axes()
        height, width = images.shape[height_axis], images.shape[width_axis]
        distortion = torch.as_tensor(transformation["distortion_factor"]).to(self._dtype)
        alpha = max(height, width) * (0.1 * distortion)
        sigma = min(height, width) * (0.05 * distortion)
        seed = transformation.get("seed")
        seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else None
        if float(sigma) > 0:
            deformed = elastic_transform(images, alpha=alpha, sigma=sigma, interpolation=interpolation,
                                         fill_mode=self.fill_mode, fill_value=self.fill_value, seed=seed,
                                         data_format=self.data_format)
        else:  # a zero distortion (alpha = sigma = 0) moves nothing; Keras's blur would divide by 0
            deformed = images
        apply = torch.as_tensor(transformation["apply_transform"]).to(images.device).view(-1, 1, 1, 1)
        images = torch.where(apply, deformed, images)
        if clip:
            images = images.clamp(self.value_range[0], self.value_range[1])
        return images.to(self._dtype)

    def get_config(self) -> dict:
        """Keras's config: ``factor`` and ``scale`` (pairs), fill and interpolation, ``value_range``, ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "interpolation": self.interpolation,
                       "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "value_range": self.value_range, "seed": self.seed})
        return config
