"""Keras 2's ``keras.engine.base_layer``: the layer base class and input specs (keraton's own classes)."""

from keraton.engine import InputSpec, Layer

__all__ = ["Layer", "InputSpec"]
