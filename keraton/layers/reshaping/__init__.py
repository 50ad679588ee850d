"""Reshaping layers."""

from keraton.layers.reshaping.flatten import Flatten
from keraton.layers.reshaping.reshape import Reshape

__all__ = ["Flatten", "Reshape"]
