"""Keras 2's ``keras.engine.topology``: Keras 2.0-2.2's home of the layer base class and the functional graph (keraton's own classes)."""

from keraton.engine import Input, InputLayer, InputSpec, Layer

__all__ = ["Input", "InputLayer", "InputSpec", "Layer"]
