"""Keras 2's ``keras.engine.training``: the model class with training (keraton's own classes)."""

from keraton.engine import Model

__all__ = ["Model"]
