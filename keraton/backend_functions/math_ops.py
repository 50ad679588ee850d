"""Keras 2 backend functions (being written)."""

__all__: list = []
_TENSOR_FUNCTIONS: list = []
