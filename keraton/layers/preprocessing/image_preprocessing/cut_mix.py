"""``CutMix``: paste a random rectangle of another image of the batch into each image during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.mix_up import beta, permutation
from keraton.layers.preprocessing.image_preprocessing.random_erasing import box_masks, crop_bounds
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
    check_unit_factor,
)


class CutMix(TransformationAugmentation):
    """CutMix augmentation in training, as ``keras.layers.CutMix``.

    One ``alpha`` is drawn uniform in ``factor``'s ``(lower, upper)`` (a
    number ``f`` means ``(0, f)``) plus ``1e-6``; per image ``lambda ~
    Beta(alpha, alpha)`` sets a rectangle of relative sides ``sqrt(1 -
    lambda)`` at a uniform position, which is filled from a partner image (a
    random permutation of the batch).  Given Keras's dict, one draw drives
    every entry: the labels are mixed by the kept area fraction and the
    segmentation masks get the same rectangle pasted from the partner's
    masks (Keras pastes them with the images' channel count and casts them
    to float; keraton keeps their shape and dtype).  Bounding boxes raise
    ``NotImplementedError``, as in Keras.  A single image (rank 3) is
    returned unchanged, as in Keras.  Identity in inference.

    Args:
        factor: a number or a pair in ``[0, 1]`` (default 1).
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = CutMix(seed=0)
        >>> out = layer({"images": torch.rand(4, 8, 8, 3), "labels": torch.eye(4)}, training=True)
        >>> out["images"].shape
        torch.Size([4, 8, 8, 3])
    """

    _bounding_boxes_not_implemented = True  # as Keras: a pasted rectangle has no box rule

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_unit_factor(factor, "factor", self.name)

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"permutation_order", "batch_masks", "mix_weight"}`` as Keras draws them (``None`` for one image)."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        if len(images.shape) == 3:
            return None
        batch = int(images.shape[0])
        height_axis, width_axis, _ = self._spatial_axes()
        height, width = images.shape[height_axis], images.shape[width_axis]
        generator = self._generator_for(seed)
        alpha = self._rand((), self.factor[0], self.factor[1], generator) + 1e-6
        ratio = torch.sqrt(1.0 - beta(batch, alpha, generator, self._dtype))
        x0, x1 = crop_bounds(ratio, width, generator, self._dtype)
        y0, y1 = crop_bounds(ratio, height, generator, self._dtype)
        masks = box_masks(images.shape, (x0, x1, y0, y1), self.data_format)
        weight = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
        order = permutation(batch, generator, images.device)
        device = images.device
        return {"permutation_order": order.to(torch.int32), "batch_masks": masks.to(device),
                "mix_weight": weight.view(-1, 1, 1, 1).to(device)}

    def transform_images(self, images, transformation, training=True):
        """Each image's rectangle taken from its partner image."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        masks = torch.as_tensor(transformation["batch_masks"]).to(images.device)
        order = torch.as_tensor(transformation["permutation_order"]).to(images.device, torch.long)
        return torch.where(masks, images.index_select(0, order), images)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Not implemented, as in Keras: raises ``NotImplementedError``."""
        self._refuse_bounding_boxes()

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Each image's rectangle of the masks taken from its partner's masks (shape and dtype kept)."""
        masks = torch.as_tensor(segmentation_masks)
        if not training or transformation is None:
            return masks
        _, _, channel_axis = self._spatial_axes()
        # The rectangle is the same in every channel; one channel broadcasts over the masks' channels.
        inside = torch.as_tensor(transformation["batch_masks"]).to(masks.device).narrow(channel_axis, 0, 1)
        order = torch.as_tensor(transformation["permutation_order"]).to(masks.device, torch.long)
        return torch.where(inside, masks.index_select(0, order), masks)

    def transform_labels(self, labels, transformation, training=True):
        """``w * labels + (1 - w) * labels[perm]`` with ``w`` the kept area fraction."""
        if not training or transformation is None:
            return labels
        weight = torch.as_tensor(transformation["mix_weight"]).to(labels.device).reshape(-1, 1)
        order = torch.as_tensor(transformation["permutation_order"]).to(labels.device, torch.long)
        return weight * labels + (1.0 - weight) * labels.index_select(0, order)

    def get_config(self) -> dict:
        """Keras's config: ``factor`` (the pair), ``seed``, ``data_format``."""
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config
