"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, UpSampling, ZeroPadding, Cropping."""

from keraton.layers.reshaping.cropping1d import Cropping1D
from keraton.layers.reshaping.cropping2d import Cropping2D
from keraton.layers.reshaping.cropping3d import Cropping3D
from keraton.layers.reshaping.flatten import Flatten
from keraton.layers.reshaping.permute import Permute
from keraton.layers.reshaping.repeat_vector import RepeatVector
from keraton.layers.reshaping.reshape import Reshape
from keraton.layers.reshaping.up_sampling1d import UpSampling1D
from keraton.layers.reshaping.up_sampling2d import UpSampling2D
from keraton.layers.reshaping.up_sampling3d import UpSampling3D
from keraton.layers.reshaping.zero_padding1d import ZeroPadding1D
from keraton.layers.reshaping.zero_padding2d import ZeroPadding2D
from keraton.layers.reshaping.zero_padding3d import ZeroPadding3D

__all__ = [
    "Cropping1D", "Cropping2D", "Cropping3D", "Flatten", "Permute", "RepeatVector", "Reshape",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D",
]
