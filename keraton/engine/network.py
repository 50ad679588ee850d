"""Keras 2.2's ``keras.engine.network``: ``Network``, the graph of layers (keraton's ``Functional``)."""

from keraton.engine import Functional
from keraton.layers.node import get_source_inputs

Network = Functional

__all__ = ["Network", "get_source_inputs"]
