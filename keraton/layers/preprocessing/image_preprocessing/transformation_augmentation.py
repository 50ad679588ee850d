"""``TransformationAugmentation``: Keras 3's two-step augmentation (draw, then transform).

Keras 3's image layers split an augmentation into
``get_random_transformation(data, training=True, seed=None)``, which draws
the random parameters of a batch as a dict of tensors, and
``transform_images(images, transformation, training=True)``, which applies
them to images in the layer's ``data_format``.  The layers built on this
base keep that split and Keras's dict keys, so a transformation drawn by
Keras can be applied here (the tests do exactly that).
"""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.affine import affine_transform
from keraton.layers.preprocessing.image_preprocessing.base_augmentation import (
    BaseRandomAugmentation,
)
from keraton.layers.preprocessing.image_preprocessing.box_ops import resample_masks


def check_unit_factor(factor, name: str, layer_name: str, bounds=(0, 1)) -> tuple:
    """Keras's ``_set_factor`` for factors in ``bounds``: a number ``f`` gives ``(max(-f, low), f)``.

    Kept apart from ``standardize_factor`` because Keras writes the lower bound
    as given (``(0, 1.0)`` in a config, an int zero) and its message differs.
    """
    message = (f"Layer '{layer_name}': the `{name}` argument should be a number (or a list of two "
               f"numbers) in the range [{bounds[0]}, {bounds[1]}]. Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(message)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(message)


class TransformationAugmentation(BaseRandomAugmentation):
    """Base of ``RandomShear``, ``RandomErasing``, ``MixUp``, ... (not a public layer).

    As ``BaseRandomAugmentation`` (identity in inference, rank 3 or 4, the
    layer's float dtype), plus Keras's two public steps: a subclass writes
    ``get_random_transformation`` and ``transform_images`` on batches in its
    own ``data_format``.  A single image is transformed as a batch of one.

    Besides an image tensor, the layer takes Keras's dict
    ``{"images", "bounding_boxes", "segmentation_masks", "labels"}`` and
    returns a new dict (``ImagePreprocessingLayer``): one draw, applied by
    ``transform_images``, ``transform_bounding_boxes``,
    ``transform_segmentation_masks`` and ``transform_labels`` (labels are
    unchanged except in the layers that mix images: ``MixUp``, ``CutMix``).
    """

    def _generator_for(self, seed):
        """The torch generator of one draw: ``seed`` (an int) if given, else the layer's own."""
        if seed is None:
            return self._generator
        if isinstance(seed, torch.Generator):
            return seed
        return torch.Generator().manual_seed(int(seed))

    def _rand(self, shape, low, high, generator) -> torch.Tensor:
        """Uniform draws in ``[low, high)`` in the layer's dtype (on the CPU, as the generator)."""
        return low + (high - low) * torch.rand(shape, generator=generator, dtype=self._dtype)

    def _apply_images(self, images, transformation):
        return self.transform_images(images, transformation, training=True)

    def call(self, inputs, training=True):
        """Augment an image tensor, or Keras's dict (images, boxes, masks, labels), when training."""
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        images = self._standardize_images(inputs, training)
        if not training:
            return images
        transformation = self.get_random_transformation(images, training=True)
        return self._transform_batch_or_image(self.transform_images, images, transformation)

    @staticmethod
    def _transform_batch_or_image(transform, images, transformation):
        if images.dim() == 3:
            return transform(images.unsqueeze(0), transformation, training=True).squeeze(0)
        return transform(images, transformation, training=True)

    @staticmethod
    def _batch_size(data) -> int:
        images = data["images"] if isinstance(data, dict) else data
        return 1 if len(images.shape) == 3 else int(images.shape[0])

    def get_random_transformation(self, data, training=True, seed=None):
        """The random parameters for ``data`` (images or a dict), or ``None`` when not training."""
        raise NotImplementedError

    def transform_images(self, images, transformation, training=True):
        """Apply ``transformation`` to a ``(batch, ...)`` image tensor in the layer's data_format."""
        raise NotImplementedError

    def _channels_last(self, images: torch.Tensor) -> torch.Tensor:
        return images.permute(0, 2, 3, 1) if self.data_format == "channels_first" else images

    def _from_channels_last(self, images: torch.Tensor) -> torch.Tensor:
        return images.permute(0, 3, 1, 2) if self.data_format == "channels_first" else images

    def _spatial_axes(self) -> tuple:
        """``(height_axis, width_axis, channel_axis)`` as negative axes of the layer's format."""
        return (-2, -1, -3) if self.data_format == "channels_first" else (-3, -2, -1)


class AffineAugmentation(TransformationAugmentation):
    """Base of the layers that resample through one affine matrix per image (not a public layer).

    ``RandomRotation``, ``RandomZoom``, ``RandomTranslation`` and ``RandomShear``
    write ``_affine_matrix(images, transformation)``, Keras's ``(batch, 8)``
    projective rows mapping output to input points; images are resampled
    with the layer's ``interpolation``, ``fill_mode`` and ``fill_value``,
    segmentation masks with nearest sampling (their dtype kept), as Keras.
    """

    def _affine_matrix(self, images, transformation) -> torch.Tensor:
        raise NotImplementedError

    def _warp(self, images, transformation, interpolation):
        matrix = self._affine_matrix(images, transformation).to(images.device)
        out = affine_transform(self._channels_last(images), matrix, interpolation, self.fill_mode,
                               self.fill_value)
        return self._from_channels_last(out)

    def transform_images(self, images, transformation, training=True):
        """Resample a ``(batch, ...)`` image tensor through ``transformation``'s matrices."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        return self._warp(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Resample masks as their images, with nearest sampling (the masks' dtype is kept)."""
        if not training or transformation is None:
            return segmentation_masks
        return resample_masks(segmentation_masks, lambda m: self._warp(m, transformation, "nearest"))
