"""Regularization layers."""

from keraton.layers.regularization.activity_regularization import ActivityRegularization
from keraton.layers.regularization.alpha_dropout import AlphaDropout
from keraton.layers.regularization.dropout import Dropout
from keraton.layers.regularization.gaussian_dropout import GaussianDropout
from keraton.layers.regularization.gaussian_noise import GaussianNoise
from keraton.layers.regularization.spatial_dropout import (
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)

__all__ = [
    "ActivityRegularization",
    "AlphaDropout",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]
