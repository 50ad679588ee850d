"""``MixUp``: blend each image (and its label) with another one of the batch during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
)


def permutation(batch: int, generator, device) -> torch.Tensor:
    """A random order of the batch: argsort of uniform keys, as ``keras.random.shuffle`` on torch."""
    return torch.rand(batch, generator=generator).argsort().to(device)


def beta(batch: int, alpha, generator, dtype) -> torch.Tensor:
    """``batch`` draws of Beta(alpha, alpha) from ``generator`` (a two-class Dirichlet, as torch's Beta)."""
    concentration = torch.as_tensor(alpha, dtype=torch.float32).expand(batch, 2).contiguous()
    return torch._sample_dirichlet(concentration, generator=generator)[:, 0].to(dtype)


class MixUp(TransformationAugmentation):
    """MixUp augmentation in training, as ``keras.layers.MixUp``.

    Per image, ``w ~ Beta(alpha, alpha)`` and a partner from a random
    permutation of the batch: ``images <- w * images + (1 - w) *
    images[perm]``.  Given Keras's dict, one draw drives every entry: the
    labels (one-hot, ``(batch, classes)``) and the segmentation masks are
    mixed with the same weights and partners (masks come back in the
    layer's float dtype), and each image keeps its own boxes followed by its
    partner's (``boxes`` ``(batch, 2 * N, 4)`` and their ``labels``
    ``(batch, 2 * N)``, in any ``bounding_box_format``).  Keras 3.15 does
    the same, except that it concatenates the box labels along the batch
    axis (``(2 * batch, N)``, out of step with the boxes) and indexes the
    flattened masks (a ``(batch, H, W, batch)`` result); keraton pairs each
    box with its label and mixes masks as it mixes images.  Identity in
    inference; there, as in Keras, integer images keep their dtype (the
    other augmentation layers cast to float).

    Args:
        alpha: concentration of the Beta distribution (default 0.2).
        bounding_box_format: the format of ``data["bounding_boxes"]["boxes"]`` (required with boxes).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: integer seed of the layer's random generator.

    Example:
        >>> layer = MixUp(alpha=0.2, seed=0)
        >>> out = layer({"images": torch.rand(4, 8, 8, 3), "labels": torch.eye(4)}, training=True)
        >>> out["labels"].shape  # each row still sums to 1
        torch.Size([4, 4])
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.alpha = alpha

    def _standardize_images(self, images, training):
        if training:
            return super()._standardize_images(images, training)
        images = torch.as_tensor(images)
        standardized = super()._standardize_images(images, training)
        return standardized if images.is_floating_point() else images

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"mix_weight": (batch,), "permutation_order": (batch,) int64}`` as Keras draws it."""
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_size(images)
        generator = self._generator_for(seed)
        order = permutation(batch, generator, images.device)
        weight = beta(batch, self.alpha, generator, self._dtype).to(images.device)
        return {"mix_weight": weight, "permutation_order": order}

    def transform_images(self, images, transformation, training=True):
        """``w * images + (1 - w) * images[perm]`` per image."""
        images = torch.as_tensor(images)
        if not training or transformation is None:
            return images
        images = images.to(self._dtype)
        weight = torch.as_tensor(transformation["mix_weight"]).to(images.device, self._dtype).view(-1, 1, 1, 1)
        order = torch.as_tensor(transformation["permutation_order"]).to(images.device)
        return weight * images + (1.0 - weight) * images.index_select(0, order)

    def transform_labels(self, labels, transformation, training=True):
        """``w * labels + (1 - w) * labels[perm]`` per row (Keras reshapes ``w`` to ``(batch, 1)``)."""
        if not training or transformation is None:
            return labels
        weight = torch.as_tensor(transformation["mix_weight"]).to(labels.device).view(-1, 1)
        order = torch.as_tensor(transformation["permutation_order"]).to(labels.device)
        return weight * labels + (1.0 - weight) * labels.index_select(0, order)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Each image's boxes (and box labels) followed by its partner's, along the box axis."""
        if not training or transformation is None:
            return bounding_boxes
        result = dict(bounding_boxes)
        for key in ("boxes", "labels"):
            values = torch.as_tensor(bounding_boxes[key])
            order = torch.as_tensor(transformation["permutation_order"]).to(values.device, torch.long)
            result[key] = torch.cat([values, values.index_select(0, order)], dim=1)
        return result

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """``w * masks + (1 - w) * masks[perm]`` per image, in the layer's float dtype."""
        if not training or transformation is None:
            return segmentation_masks
        return self.transform_images(segmentation_masks, transformation, training=True)

    def get_config(self) -> dict:
        """Keras's config: ``alpha``, ``seed``, ``data_format``."""
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config
