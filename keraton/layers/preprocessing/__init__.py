"""Preprocessing layers."""

from keraton.layers.preprocessing.category_encoding import CategoryEncoding
from keraton.layers.preprocessing.discretization import Discretization
from keraton.layers.preprocessing.hashed_crossing import HashedCrossing
from keraton.layers.preprocessing.hashing import Hashing
from keraton.layers.preprocessing.image_preprocessing import (
    AugMix,
    AutoContrast,
    CenterCrop,
    ContrastLimitedAdaptiveHistogramEqualization,
    CutMix,
    Equalization,
    MaxNumBoundingBoxes,
    MixUp,
    RandAugment,
    RandomBrightness,
    RandomColorDegeneration,
    RandomColorJitter,
    RandomContrast,
    RandomCrop,
    RandomElasticTransform,
    RandomErasing,
    RandomFlip,
    RandomGaussianBlur,
    RandomGrayscale,
    RandomHue,
    RandomInvert,
    RandomPerspective,
    RandomPosterization,
    RandomRotation,
    RandomSaturation,
    RandomSharpness,
    RandomShear,
    RandomTranslation,
    RandomZoom,
    Resizing,
    Solarization,
)
from keraton.layers.preprocessing.integer_lookup import IntegerLookup
from keraton.layers.preprocessing.mel_spectrogram import MelSpectrogram
from keraton.layers.preprocessing.normalization import Normalization
from keraton.layers.preprocessing.pipeline import Pipeline
from keraton.layers.preprocessing.rescaling import Rescaling
from keraton.layers.preprocessing.stft_spectrogram import STFTSpectrogram
from keraton.layers.preprocessing.string_lookup import StringLookup
from keraton.layers.preprocessing.text_vectorization import TextVectorization

__all__ = ["AutoContrast", "CategoryEncoding", "CenterCrop", "Discretization", "Equalization", "HashedCrossing",
           "Hashing",
           "IntegerLookup", "Normalization", "RandomBrightness", "RandomColorDegeneration",
           "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomFlip", "RandomGrayscale", "RandomHue",
           "RandomInvert", "RandomPosterization", "RandomRotation", "RandomSaturation", "RandomSharpness",
           "RandomTranslation", "RandomZoom", "MaxNumBoundingBoxes", "Rescaling", "Resizing", "Solarization", "StringLookup",
           "TextVectorization", "CutMix", "MixUp", "Pipeline", "RandomErasing", "RandomGaussianBlur",
           "RandomPerspective", "RandomShear", "MelSpectrogram", "STFTSpectrogram", "AugMix",
           "ContrastLimitedAdaptiveHistogramEqualization", "RandAugment", "RandomElasticTransform"]
