"""Keras 2's ``keras.legacy.layers`` module path: the deprecated layers old programs import from it.

Example:
    >>> from keraton.legacy.layers import MaxoutDense, Highway   # Keras 2 spelling
"""

from keraton.layers.convolutional.atrous import AtrousConvolution1D, AtrousConvolution2D
from keraton.layers.core.legacy_dense import Highway, MaxoutDense
from keraton.layers.merging.legacy_merge import Merge, merge
from keraton.layers.rnn.legacy_recurrent import ConvRecurrent2D, Recurrent

__all__ = ["AtrousConvolution1D", "AtrousConvolution2D", "ConvRecurrent2D", "Highway",
           "MaxoutDense", "Merge", "Recurrent", "merge"]
