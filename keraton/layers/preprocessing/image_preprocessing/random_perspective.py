"""``RandomPerspective``: warp images by a random perspective (corner shifts) during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.affine import INTERPOLATIONS
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
    check_unit_factor,
)


class RandomPerspective(TransformationAugmentation):
    """Warp images by a random perspective in training, as ``keras.layers.RandomPerspective``.

    Each image is warped with a probability drawn uniform in ``factor``'s
    ``(lower, upper)`` (a number ``f`` means ``(0, f)``).  The warp moves the
    corners ``(0, 0), (W-1, 0), (0, H-1), (W-1, H-1)`` to ``p + p * u`` with
    ``u`` uniform in ``[-scale/2, scale/2]`` per coordinate (Keras's rule: the
    top-left corner stays), and samples the input through the homography;
    points outside the image take ``fill_value``.  Identity in inference.

    Args:
        factor: a number or a pair in ``[0, 1]``: probability of the warp (default 1).
        scale: a number in ``[0, 1]``: size of the corner shifts (default 1).
        interpolation: ``'bilinear'`` (default) or ``'nearest'``.
        fill_value: value of the points outside the image (default 0).
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = RandomPerspective(scale=0.5, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_unit_factor(factor, "factor", self.name)
        if scale < 0.0 or scale > 1.0:
            raise ValueError(f"Layer '{self.name}': the `scale` argument should be a number in the "
                             f"range [0,1]. Received: scale={scale!r}")
        if interpolation not in INTERPOLATIONS:
            # Keras raises NotImplementedError here.
            raise NotImplementedError(f"Layer '{self.name}': unknown `interpolation` {interpolation!r}. "
                                      f"Expected one of {INTERPOLATIONS}.")
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = interpolation

    def get_random_transformation(self, data, training=True, seed=None):
        """``{"apply_perspective", "start_points", "end_points", "input_shape"}`` as Keras draws them."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        batch = self._batch_size(images)
        height_axis, width_axis, _ = self._spatial_axes()
        height, width = images.shape[height_axis], images.shape[width_axis]
        generator = self._generator_for(seed)
        probability = self._rand((batch,), self.factor[0], self.factor[1], generator)
        apply = self._rand((batch,), 0.0, 1.0, generator) < probability
        shifts = self._rand((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale, generator)
        corners = torch.tensor([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1], [width - 1, height - 1]],
                               dtype=self._dtype)
        start = corners.expand(batch, 4, 2)
        device = images.device
        return {"apply_perspective": apply.to(device), "start_points": start.to(device),
                "end_points": (start + start * shifts).to(device), "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation, training=True):
        """Warp the images drawn for it through their homographies."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        start = torch.as_tensor(transformation["start_points"])
        end = torch.as_tensor(transformation["end_points"])
        from keraton.ops.image import perspective_transform  # lazy: keraton.ops imports the layers

        warped = perspective_transform(self._channels_last(images), start, end, self.interpolation,
                                       self.fill_value, data_format="channels_last")
        apply = torch.as_tensor(transformation["apply_perspective"]).to(images.device)
        return torch.where(apply.view(-1, 1, 1, 1), self._from_channels_last(warped), images)

    def get_config(self) -> dict:
        """Keras's config: ``factor`` (the pair), ``scale``, ``interpolation``, ``fill_value``, ``seed``."""
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "interpolation": self.interpolation,
                       "fill_value": self.fill_value, "seed": self.seed})
        return config
