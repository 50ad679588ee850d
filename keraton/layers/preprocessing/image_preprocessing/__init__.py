"""Image preprocessing layers."""

from keraton.layers.preprocessing.image_preprocessing.aug_mix import AugMix
from keraton.layers.preprocessing.image_preprocessing.auto_contrast import AutoContrast
from keraton.layers.preprocessing.image_preprocessing.center_crop import CenterCrop
from keraton.layers.preprocessing.image_preprocessing.clahe import (
    ContrastLimitedAdaptiveHistogramEqualization,
)
from keraton.layers.preprocessing.image_preprocessing.cut_mix import CutMix
from keraton.layers.preprocessing.image_preprocessing.equalization import Equalization
from keraton.layers.preprocessing.image_preprocessing.max_num_bounding_boxes import (
    MaxNumBoundingBoxes,
)
from keraton.layers.preprocessing.image_preprocessing.mix_up import MixUp
from keraton.layers.preprocessing.image_preprocessing.rand_augment import RandAugment
from keraton.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from keraton.layers.preprocessing.image_preprocessing.random_color_degeneration import (
    RandomColorDegeneration,
)
from keraton.layers.preprocessing.image_preprocessing.random_color_jitter import RandomColorJitter
from keraton.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from keraton.layers.preprocessing.image_preprocessing.random_crop import RandomCrop
from keraton.layers.preprocessing.image_preprocessing.random_elastic_transform import (
    RandomElasticTransform,
)
from keraton.layers.preprocessing.image_preprocessing.random_erasing import RandomErasing
from keraton.layers.preprocessing.image_preprocessing.random_flip import RandomFlip
from keraton.layers.preprocessing.image_preprocessing.random_gaussian_blur import RandomGaussianBlur
from keraton.layers.preprocessing.image_preprocessing.random_grayscale import RandomGrayscale
from keraton.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from keraton.layers.preprocessing.image_preprocessing.random_invert import RandomInvert
from keraton.layers.preprocessing.image_preprocessing.random_perspective import RandomPerspective
from keraton.layers.preprocessing.image_preprocessing.random_posterization import (
    RandomPosterization,
)
from keraton.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation
from keraton.layers.preprocessing.image_preprocessing.random_saturation import RandomSaturation
from keraton.layers.preprocessing.image_preprocessing.random_sharpness import RandomSharpness
from keraton.layers.preprocessing.image_preprocessing.random_shear import RandomShear
from keraton.layers.preprocessing.image_preprocessing.random_translation import RandomTranslation
from keraton.layers.preprocessing.image_preprocessing.random_zoom import RandomZoom
from keraton.layers.preprocessing.image_preprocessing.resizing import Resizing
from keraton.layers.preprocessing.image_preprocessing.solarization import Solarization

__all__ = ["AutoContrast", "CenterCrop", "Equalization", "RandomBrightness", "RandomColorDegeneration",
           "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomFlip", "RandomGrayscale", "RandomHue",
           "RandomInvert", "RandomPosterization", "RandomRotation", "RandomSaturation", "RandomSharpness",
           "RandomTranslation", "RandomZoom", "Resizing", "Solarization", "CutMix", "MixUp",
           "RandomErasing", "RandomGaussianBlur", "RandomPerspective", "RandomShear", "AugMix",
           "ContrastLimitedAdaptiveHistogramEqualization", "RandAugment", "RandomElasticTransform",
           "MaxNumBoundingBoxes"]
