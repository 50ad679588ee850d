"""Preprocessing layers."""

from keraton.layers.preprocessing.image_preprocessing import CenterCrop, Resizing
from keraton.layers.preprocessing.normalization import Normalization
from keraton.layers.preprocessing.rescaling import Rescaling

__all__ = ["CenterCrop", "Normalization", "Rescaling", "Resizing"]
