"""Regularization layers."""

from keraton.layers.regularization.dropout import Dropout

__all__ = ["Dropout"]
