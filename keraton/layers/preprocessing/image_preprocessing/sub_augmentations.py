"""The augmentation layers inside ``RandAugment`` and ``AugMix``, behind one draw/apply interface.

Keras builds both composite layers from its own augmentation layers and
calls their ``get_random_transformation`` / ``transform_images``, which
keraton's layers have with Keras's dict keys, so a transformation drawn by a
Keras composite layer can be applied here.
"""

from __future__ import annotations

import torch

from keraton.layers.preprocessing.image_preprocessing.auto_contrast import AutoContrast
from keraton.layers.preprocessing.image_preprocessing.color_ops import (
    BaseColorAugmentation,
)
from keraton.layers.preprocessing.image_preprocessing.equalization import Equalization
from keraton.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from keraton.layers.preprocessing.image_preprocessing.random_color_degeneration import (
    RandomColorDegeneration,
)
from keraton.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from keraton.layers.preprocessing.image_preprocessing.random_posterization import (
    RandomPosterization,
)
from keraton.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation
from keraton.layers.preprocessing.image_preprocessing.random_sharpness import RandomSharpness
from keraton.layers.preprocessing.image_preprocessing.random_shear import RandomShear
from keraton.layers.preprocessing.image_preprocessing.random_translation import RandomTranslation
from keraton.layers.preprocessing.image_preprocessing.solarization import Solarization
from keraton.layers.preprocessing.image_preprocessing.transformation_augmentation import (
    TransformationAugmentation,
)

# Keras's attribute names, in the order RandAugment numbers them.
GEOMETRIC = ("random_shear", "random_translation", "random_rotation")
COLOR = ("random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness")


def make_sub_layers(owner, names, factor, value_range, interpolation, data_format) -> dict:
    """Keras's sub-layers of a composite layer, as attributes of ``owner``, drawing from its generator.

    ``factor`` is the owner's ``(lower, upper)``; each sub-layer gets it as
    Keras passes it (posterization: ``max(1, int(8 * upper))`` bits).
    """
    common = {"seed": owner.seed, "data_format": data_format, "dtype": owner.dtype_policy}
    colors = {"value_range": value_range, **common}
    factories = {
        "random_shear": lambda: RandomShear(x_factor=factor, y_factor=factor, interpolation=interpolation,
                                            **common),
        "random_translation": lambda: RandomTranslation(height_factor=factor, width_factor=factor,
                                                        interpolation=interpolation, **common),
        "random_rotation": lambda: RandomRotation(factor=factor, interpolation=interpolation, **common),
        "random_brightness": lambda: RandomBrightness(factor=factor, **colors),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor=factor, **colors),
        "random_contrast": lambda: RandomContrast(factor=factor, **colors),
        "random_sharpness": lambda: RandomSharpness(factor=factor, **colors),
        "random_posterization": lambda: RandomPosterization(factor=max(1, int(8 * factor[1])), **colors),
        "solarization": lambda: Solarization(addition_factor=factor, threshold_factor=factor, **colors),
        "auto_contrast": lambda: AutoContrast(value_range=value_range, data_format=data_format,
                                              dtype=owner.dtype_policy),
        "equalization": lambda: Equalization(value_range=value_range, data_format=data_format,
                                             dtype=owner.dtype_policy),
    }
    sub_layers = {}
    for name in names:
        layer = factories[name]()
        # One random stream for the whole composite layer (Keras draws every step from its seed).
        layer._generator = owner._generator
        # Keras hands its kwargs (bounding_box_format among them) to every sub-layer.
        layer.bounding_box_format = owner.bounding_box_format
        setattr(owner, name, layer)
        sub_layers[name] = layer
    return sub_layers


def draw(layer, images: torch.Tensor, generator):
    """``layer``'s random transformation of a ``(batch, ...)`` image batch, with Keras's keys."""
    batch = images.shape[0]
    if isinstance(layer, TransformationAugmentation):
        return layer.get_random_transformation(images, training=True, seed=generator)
    if isinstance(layer, BaseColorAugmentation):
        return layer._draw(batch, generator)
    if isinstance(layer, AutoContrast):
        return None
    raise TypeError(f"No Keras transformation is known for the layer {type(layer).__name__}.")


def apply(layer, images: torch.Tensor, transformation) -> torch.Tensor:
    """Apply ``transformation`` (drawn here or by the Keras layer) to a batch in ``layer``'s data_format."""
    if isinstance(layer, (TransformationAugmentation, BaseColorAugmentation, AutoContrast)):
        return layer.transform_images(images, transformation, training=True)
    raise TypeError(f"No Keras transformation is known for the layer {type(layer).__name__}.")
