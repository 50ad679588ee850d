"""Keras 2's ``keras.engine.functional``: the functional model (keraton's own classes)."""

from keraton.engine import Functional

__all__ = ["Functional"]
