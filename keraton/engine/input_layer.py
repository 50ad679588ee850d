"""Keras 2's ``keras.engine.input_layer``: the input layer and ``Input`` (keraton's own classes)."""

from keraton.engine import Input, InputLayer

__all__ = ["Input", "InputLayer"]
