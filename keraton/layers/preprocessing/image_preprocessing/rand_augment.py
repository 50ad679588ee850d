"""``RandAugment``: apply ``num_ops`` augmentations picked at random from eleven, during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing import sub_augmentations
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
    check_unit_factor,
)

# Keras's order: a drawn index i means the i-th of these.
AUGMENT_LAYERS = (*sub_augmentations.GEOMETRIC, *sub_augmentations.COLOR, "random_posterization",
                  "solarization", "auto_contrast", "equalization")


class RandAugment(TransformationAugmentation):
    """RandAugment (Cubuk et al., 2019) in training, as ``keras.layers.RandAugment``.

    Per batch, ``num_ops`` indices are drawn uniformly among eleven
    augmentations (shear, translation, rotation, brightness, color
    degeneration, contrast, sharpness, posterization, solarization, auto
    contrast, equalization), and those are applied one after the other (an
    index may repeat).  As Keras, every augmentation is a keraton layer held
    as an attribute (``random_shear``, ...) built as Keras builds it: with
    ``factor``'s pair ``(lower, upper)`` as its factor (a number ``f`` means
    ``(0, f)``, so translations only shift down and right and rotations only
    turn counter-clockwise, up to ``upper * 360`` degrees, as in Keras),
    posterization with ``max(1, int(8 * upper))`` bits; all draw from this
    layer's random stream.  The transformation is Keras's
    ``{"transforms": {name: ...}, "layer_idxes": (num_ops,) int32}``.
    Given Keras's dict, bounding boxes and segmentation masks go through the
    chosen augmentations in the same order as the images (geometric ones
    move them, colour ones leave them; boxes are clipped and emptied boxes
    get label -1 as in those layers); labels are unchanged.  Masks match
    Keras; for boxes, Keras 3.15 applies each chosen layer once, in its fixed
    list order, so a repeated or reordered pair of geometric ops moves its
    boxes differently from its images; keraton follows the images.
    Identity in inference.

    Args:
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        num_ops: how many augmentations to apply in a row (default 2).
        factor: a number or a pair in ``[0, 1]``: strength of the augmentations (default 0.5).
        interpolation: ``'bilinear'`` (default) or ``'nearest'``, for the geometric ones.
        seed: integer seed of the layer's random generator.
        bounding_box_format: the format of ``data["bounding_boxes"]["boxes"]`` (required with boxes).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = RandAugment(value_range=(0, 1), num_ops=3, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f"Layer '{self.name}': `num_ops` must be a non-negative integer. "
                             f"Received: num_ops={num_ops!r}")
        self.value_range = value_range
        self.num_ops = num_ops
        self.factor = check_unit_factor(factor, "factor", self.name)
        self.interpolation = interpolation
        self._augmenters = sub_augmentations.make_sub_layers(
            self, AUGMENT_LAYERS, self.factor, value_range, interpolation, data_format)

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"transforms": {name: transformation}, "layer_idxes": (num_ops,) int32}`` as Keras draws it."""
        if not training:
            return None
        images = torch.as_tensor(data["images"] if isinstance(data, dict) else data)
        images = images.unsqueeze(0) if images.dim() == 3 else images
        generator = self._generator_for(seed)
        layer_idxes = torch.randint(0, len(AUGMENT_LAYERS), (self.num_ops,), generator=generator,
                                    dtype=torch.int32)
        transforms = {name: sub_augmentations.draw(layer, images, generator)
                      for name, layer in self._augmenters.items()}
        return {"transforms": transforms, "layer_idxes": layer_idxes}

    def transform_images(self, images, transformation, training=True):
        """Apply the augmentations ``layer_idxes`` names, in order, with their drawn transformations."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        for layer, layer_transformation in self._chosen(transformation):
            images = sub_augmentations.apply(layer, images, layer_transformation).to(self._dtype)
        return images

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes through the chosen augmentations in the images' order (see the class docstring)."""
        if not training or transformation is None:
            return bounding_boxes
        for layer, layer_transformation in self._chosen(transformation):
            bounding_boxes = layer.transform_bounding_boxes(bounding_boxes, layer_transformation, training=True)
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Masks through the chosen augmentations in the images' order (their dtype kept)."""
        if not training or transformation is None:
            return segmentation_masks
        for layer, layer_transformation in self._chosen(transformation):
            segmentation_masks = layer.transform_segmentation_masks(segmentation_masks, layer_transformation,
                                                                    training=True)
        return segmentation_masks

    def _chosen(self, transformation):
        """``(sub-layer, its transformation)`` for each index of ``layer_idxes``, in order."""
        transforms = transformation["transforms"]
        for index in torch.as_tensor(transformation["layer_idxes"]).reshape(-1).tolist():
            name = AUGMENT_LAYERS[int(index)]
            yield self._augmenters[name], transforms[name]

    def get_config(self) -> dict:
        """Keras's config: ``value_range``, ``num_ops``, ``factor`` (the pair), ``interpolation``, ``seed``."""
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_ops": self.num_ops, "factor": self.factor,
                       "interpolation": self.interpolation, "seed": self.seed})
        return config
