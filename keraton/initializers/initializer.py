"""The ``Initializer`` base class of ``keras.initializers`` and shared shape/dtype helpers."""

from __future__ import annotations

import torch

from keraton import backend


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def _float_dtype(dtype) -> torch.dtype:
    dtype = backend.torch_dtype(dtype)
    if not dtype.is_floating_point:
        raise ValueError(
            f"Random initializers need a floating dtype, received dtype={dtype}. "
            "Use 'float32' (the default) or another float type."
        )
    return dtype


class Initializer:
    """Base class of all initializers, as ``keras.initializers.Initializer``.

    Subclasses implement ``__call__(shape, dtype=None)`` returning a torch tensor
    and, if they take arguments, ``get_config()``; ``from_config(config)`` calls
    ``cls(**config)``.
    """

    def __call__(self, shape, dtype=None):
        """Return a new tensor of ``shape`` and ``dtype``; subclasses must implement it."""
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self) -> dict:
        """Return the constructor arguments as a JSON-serializable dict (Keras format)."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Build the initializer back from ``get_config()``'s output."""
        return cls(**config)

    def clone(self):
        """Return a new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
