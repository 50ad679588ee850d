"""Activation layers."""

from keraton.layers.activations.activation import Activation

__all__ = ["Activation"]
