"""Keras 2's ``keras.engine.sequential``: the sequential model (keraton's own classes)."""

from keraton.engine import Sequential

__all__ = ["Sequential"]
