"""Image preprocessing layers."""

from keraton.layers.preprocessing.image_preprocessing.center_crop import CenterCrop
from keraton.layers.preprocessing.image_preprocessing.resizing import Resizing

__all__ = ["CenterCrop", "Resizing"]
