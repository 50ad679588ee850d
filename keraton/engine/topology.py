"""Keras 2's ``keras.engine.topology``: Keras 2.0-2.2's home of the layer base class and the functional graph (keraton's own classes)."""

from keraton.engine import Functional, Input, InputLayer, InputSpec, Layer
from keraton.layers.node import Node, get_source_inputs

# Keras 2.0/2.1 called the functional graph ``Container``, Keras 2.2 ``Network``.
Container = Network = Functional

__all__ = ["Container", "Input", "InputLayer", "InputSpec", "Layer", "Network", "Node",
           "get_source_inputs"]
