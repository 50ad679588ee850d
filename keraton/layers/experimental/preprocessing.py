"""tf.keras 2's ``keras.layers.experimental.preprocessing`` namespace: keraton's preprocessing layers.

Each name is the keraton class itself (``preprocessing.Normalization is
keraton.layers.Normalization``); ``RandomHeight``, ``RandomWidth`` and the
``PreprocessingLayer`` base class are tf.keras 2's, written for keraton.

Example:
    >>> from keraton.layers.experimental.preprocessing import RandomFlip   # tf.keras 2 spelling
"""

from keraton.layers.preprocessing import (
    CategoryEncoding,
    CenterCrop,
    Discretization,
    HashedCrossing,
    Hashing,
    IntegerLookup,
    Normalization,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
    StringLookup,
    TextVectorization,
)
from keraton.layers.preprocessing.image_preprocessing.random_height_width import (
    RandomHeight,
    RandomWidth,
)
from keraton.layers.preprocessing.preprocessing_layer import PreprocessingLayer

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup",
           "Normalization", "PreprocessingLayer", "RandomContrast", "RandomCrop", "RandomFlip", "RandomHeight",
           "RandomRotation", "RandomTranslation", "RandomWidth", "RandomZoom", "Rescaling", "Resizing",
           "StringLookup", "TextVectorization"]
