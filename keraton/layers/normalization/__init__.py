"""Normalization layers."""

from keraton.layers.normalization.batch_normalization import BatchNormalization
from keraton.layers.normalization.group_normalization import GroupNormalization
from keraton.layers.normalization.layer_normalization import LayerNormalization
from keraton.layers.normalization.rms_normalization import RMSNormalization
from keraton.layers.normalization.spectral_normalization import SpectralNormalization
from keraton.layers.normalization.unit_normalization import UnitNormalization

__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization", "RMSNormalization",
           "SpectralNormalization", "UnitNormalization"]
