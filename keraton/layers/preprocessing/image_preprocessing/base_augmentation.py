"""``BaseRandomAugmentation``: what the Keras 3 random image layers share.

Training-only behaviour, seeding, image rank checks and the channels_first
to channels_last view; a subclass writes ``_augment(images)`` on a
``(batch, height, width, channels)`` float batch, or (the layers that also
move boxes and masks) Keras's two steps, see ``TransformationAugmentation``.
"""

from __future__ import annotations

import torch

from keraton.layers.input_spec import InputSpec
from keraton.layers.preprocessing.image_preprocessing.base_image_preprocessing import (
    ImagePreprocessingLayer,
)


class BaseRandomAugmentation(ImagePreprocessingLayer):
    """Base of ``RandomFlip``, ``RandomRotation``, ... (not a public layer).

    As Keras, the layer transforms images in training (inside ``fit``, or
    ``layer(x, training=True)``) and returns them unchanged (cast to the
    layer's float dtype) in inference (``predict``, ``training=False``, or
    inside a model called without ``training``).  A bare ``layer(x)`` call
    augments, as in Keras 3, whose ``call`` defaults to ``training=True``;
    after ``layer.eval()`` a bare call is the identity.  Random draws come from a
    ``torch.Generator`` seeded with ``seed`` (else torch's global generator):
    the distributions are Keras's, the random streams are torch's.

    The dict input ``{"images", "bounding_boxes", "segmentation_masks",
    "labels"}`` is taken as Keras takes it (``ImagePreprocessingLayer``): a
    layer written with ``_augment`` only transforms the images and returns
    the rest unchanged (the colour layers).
    """

    def __init__(self, seed=None, data_format=None, bounding_box_format=None, **kwargs):
        super().__init__(bounding_box_format=bounding_box_format, data_format=data_format, **kwargs)
        self.seed = seed
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        self.supports_masking = False
        self.input_spec = InputSpec(min_ndim=3, max_ndim=4)
        self.built = True

    def _uniform(self, shape, low=0.0, high=1.0) -> torch.Tensor:
        return low + (high - low) * torch.rand(shape, generator=self._generator)

    def _standardize_images(self, images, training):
        """Rank check and cast to the layer's float dtype."""
        images = torch.as_tensor(images)
        if images.dim() not in (3, 4):
            raise ValueError(
                f"Layer '{self.name}': expected images of rank 3 (one image) or 4 (a batch), "
                f"received input of shape {tuple(images.shape)}."
            )
        return images.to(self._dtype)

    def _apply_images(self, images, transformation):
        return self._augment_images(images)

    def call(self, inputs, training=True):
        """Augment ``inputs`` (rank 3 image, rank 4 batch or Keras's dict) when training, else return them."""
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        images = self._standardize_images(inputs, training)
        if not training:
            return images
        return self._augment_images(images)

    def _augment_images(self, images):
        single = images.dim() == 3
        x = images.unsqueeze(0) if single else images
        if self.data_format == "channels_first":
            x = x.permute(0, 2, 3, 1)
        x = self._augment(x)
        if self.data_format == "channels_first":
            x = x.permute(0, 3, 1, 2)
        return x.squeeze(0) if single else x

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return tuple(input_shape)


def standardize_factor(factor, name: str, layer_name: str, bounds=(-1.0, 1.0)) -> tuple:
    """Keras's ``(lower, upper)`` from a number ``f`` (``(-f, f)``, cut at the bounds) or a pair (sorted)."""
    message = (f"Layer '{layer_name}': `{name}` must be a number or a pair of numbers in "
               f"[{bounds[0]}, {bounds[1]}]. Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(message)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(message)
