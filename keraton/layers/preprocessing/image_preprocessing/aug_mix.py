"""``AugMix``: mix an image with chains of random augmentations of itself during training."""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing import sub_augmentations
from keraton.layers.preprocessing.image_preprocessing.mix_up import beta
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
    check_unit_factor,
)

# Keras's lists (and order) of the augmentations a chain step picks from.
AUGMENT_LAYERS = (*sub_augmentations.GEOMETRIC, "random_posterization", "solarization", "auto_contrast",
                  "equalization")
AUGMENT_LAYERS_ALL = (*AUGMENT_LAYERS, *sub_augmentations.COLOR)


class AugMix(TransformationAugmentation):
    """AugMix (Hendrycks et al., 2020) in training, as ``keras.layers.AugMix``.

    Per batch: chain weights ``w ~ Dirichlet(alpha, ..., alpha)`` (one per
    chain), a mixing weight ``m ~ Beta(alpha, alpha)``, and ``num_chains``
    chains of ``chain_depth`` steps, each step one augmentation picked
    uniformly among the layers *or none* (so a chain may be shorter).  The
    output is ``m * x + (1 - m) * sum_c w_c * chain_c(x)``, clipped to
    ``value_range``.  The augmentations are keraton layers held as
    attributes (``random_shear``, ...), built as Keras builds them from
    ``factor`` (a number ``f`` means ``(0, f)``); ``all_ops=False`` leaves
    out brightness, color degeneration, contrast and sharpness.  The
    transformation is Keras's ``{"chain_mixing_weights", "weight_sample",
    "chain_transforms": [[{"layer_name", "transformation"}, ...], ...]}``;
    unlike Keras, which picks the steps with Python's global ``random``,
    every draw comes from this layer's torch generator.  Identity in inference.

    Args:
        value_range: ``(min, max)`` of the pixel values (default ``(0, 255)``).
        num_chains: number of augmentation chains mixed (default 3).
        chain_depth: number of steps of a chain (default 3).
        factor: a number or a pair in ``[0, 1]``: strength of the augmentations (default 0.3).
        alpha: concentration of the Dirichlet and Beta distributions (default 1.0).
        all_ops: whether the color augmentations are among the choices (default ``True``).
        interpolation: ``'bilinear'`` (default) or ``'nearest'``, for the geometric ones.
        seed: integer seed of the layer's random generator.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Example:
        >>> layer = AugMix(value_range=(0, 1), num_chains=2, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3), training=True).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        for name, value in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Layer '{self.name}': `{name}` must be a positive integer. "
                                 f"Received: {name}={value!r}")
        if not alpha > 0:
            raise ValueError(f"Layer '{self.name}': `alpha` must be a positive number. Received: alpha={alpha!r}")
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self.factor = check_unit_factor(factor, "factor", self.name)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        names = AUGMENT_LAYERS_ALL if all_ops else AUGMENT_LAYERS
        self._augmenters = sub_augmentations.make_sub_layers(
            self, names, self.factor, value_range, interpolation, data_format)

    def get_random_transformation(self, data, training=True, seed=None):
        """Keras's ``{"chain_mixing_weights", "weight_sample", "chain_transforms"}`` for one batch."""
        if not training:
            return None
        images = torch.as_tensor(data["images"] if isinstance(data, dict) else data)
        images = images.unsqueeze(0) if images.dim() == 3 else images
        generator = self._generator_for(seed)
        concentration = torch.full((self.num_chains,), float(self.alpha), dtype=torch.float32)
        chain_weights = torch._sample_dirichlet(concentration, generator=generator)
        weight_sample = beta(1, self.alpha, generator, torch.float32).reshape(())
        names = list(self._augmenters)
        chain_transforms = []
        for _ in range(self.num_chains):
            steps = []
            for _ in range(self.chain_depth):
                pick = int(torch.randint(0, len(names) + 1, (), generator=generator))
                if pick == len(names):  # Keras's None: this step does nothing
                    continue
                layer = self._augmenters[names[pick]]
                steps.append({"layer_name": names[pick],
                              "transformation": sub_augmentations.draw(layer, images, generator)})
            chain_transforms.append(steps)
        return {"chain_mixing_weights": chain_weights.to(images.device),
                "weight_sample": weight_sample.to(images.device), "chain_transforms": chain_transforms}

    def transform_images(self, images, transformation, training=True):
        """``m * images + (1 - m) * sum_c w_c * chain_c(images)``, clipped to ``value_range``."""
        images = torch.as_tensor(images).to(self._dtype)
        if not training or transformation is None:
            return images
        images = self._mix_chains(images, transformation, "transform_images")
        return images.clamp(self.value_range[0], self.value_range[1])

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """The masks through the same chains and mixing weights as the images (no clipping)."""
        if not training or transformation is None:
            return segmentation_masks
        masks = torch.as_tensor(segmentation_masks).to(self._dtype)
        return self._mix_chains(masks, transformation, "transform_segmentation_masks")

    def _mix_chains(self, x, transformation, hook):
        """``m * x + (1 - m) * sum_c w_c * chain_c(x)``, each step the chosen layer's ``hook``."""
        weights = torch.as_tensor(transformation["chain_mixing_weights"]).to(x)
        weight_sample = torch.as_tensor(transformation["weight_sample"]).to(x)
        mixed = torch.zeros_like(x)
        for index, steps in enumerate(transformation["chain_transforms"]):
            chain = x
            for step in steps:
                layer = self._augmenters[step["layer_name"]]
                chain = getattr(layer, hook)(chain, step["transformation"], training=True).to(self._dtype)
            mixed = mixed + chain * weights[index]
        return weight_sample * x + (1 - weight_sample) * mixed

    def get_config(self) -> dict:
        """Keras's config: the arguments, ``factor`` as the pair."""
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_chains": self.num_chains,
                       "chain_depth": self.chain_depth, "factor": self.factor, "alpha": self.alpha,
                       "all_ops": self.all_ops, "interpolation": self.interpolation, "seed": self.seed})
        return config
