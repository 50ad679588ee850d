"""Preprocessing layers."""

from keraton.layers.preprocessing.category_encoding import CategoryEncoding
from keraton.layers.preprocessing.discretization import Discretization
from keraton.layers.preprocessing.hashing import Hashing
from keraton.layers.preprocessing.image_preprocessing import (
    CenterCrop,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Resizing,
)
from keraton.layers.preprocessing.integer_lookup import IntegerLookup
from keraton.layers.preprocessing.normalization import Normalization
from keraton.layers.preprocessing.rescaling import Rescaling
from keraton.layers.preprocessing.string_lookup import StringLookup
from keraton.layers.preprocessing.text_vectorization import TextVectorization

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup", "Normalization",
           "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation",
           "RandomZoom", "Rescaling", "Resizing", "StringLookup", "TextVectorization"]
