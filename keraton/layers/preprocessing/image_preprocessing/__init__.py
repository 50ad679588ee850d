"""Image preprocessing layers."""

from keraton.layers.preprocessing.image_preprocessing.center_crop import CenterCrop
from keraton.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from keraton.layers.preprocessing.image_preprocessing.random_crop import RandomCrop
from keraton.layers.preprocessing.image_preprocessing.random_flip import RandomFlip
from keraton.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation
from keraton.layers.preprocessing.image_preprocessing.random_translation import RandomTranslation
from keraton.layers.preprocessing.image_preprocessing.random_zoom import RandomZoom
from keraton.layers.preprocessing.image_preprocessing.resizing import Resizing

__all__ = ["CenterCrop", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation",
           "RandomTranslation", "RandomZoom", "Resizing"]
