"""Keras 2's ``keras.engine.input_spec``: input specs (keraton's own classes)."""

from keraton.engine import InputSpec

__all__ = ["InputSpec"]
