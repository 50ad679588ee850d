"""Keras 3's ``keras.legacy``: tf.keras 2 formats kept for old code and files."""

from keraton.legacy import saving

__all__ = ["saving"]
