"""Merging layers: combine a list of tensors (``Add``, ``Concatenate``, ``Dot`` ...) and their functional forms."""

from keraton.layers.merging.add import Add, add
from keraton.layers.merging.average import Average, average
from keraton.layers.merging.concatenate import Concatenate, concatenate
from keraton.layers.merging.dot import Dot, dot
from keraton.layers.merging.legacy_merge import Merge, merge
from keraton.layers.merging.maximum import Maximum, maximum
from keraton.layers.merging.minimum import Minimum, minimum
from keraton.layers.merging.multiply import Multiply, multiply
from keraton.layers.merging.subtract import Subtract, subtract

__all__ = [
    "Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
    "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract",
    "Merge", "merge",  # Keras 2.0/2.1's deprecated Keras 1 merging API
]
