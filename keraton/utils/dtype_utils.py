"""``keras.utils.standardize_dtype``: any dtype spelling as Keras's dtype name; ``bool_as_uint8``."""

import torch

from keraton import backend


def standardize_dtype(dtype) -> str:
    """The Keras name (``'float32'``) of a dtype given as a name, torch dtype or NumPy dtype;
    ``None`` is ``floatx()`` and ``'int'`` is ``'int32'``, as in Keras 3 on torch."""
    if dtype == "int":
        dtype = "int32"
    elif dtype == "float":
        raise ValueError(f"Invalid dtype: {dtype!r}. Give a sized name such as 'float32'.")
    return backend.dtype_name(backend.standardize_dtype(dtype))


def bool_as_uint8(x):
    """``x`` with a bool dtype cast to uint8, for ``torch.argmax``/``argmin``, which reject bool.

    Keras (``ops.argmax`` on torch, ``tf.argmax`` in Keras 2) takes boolean
    input as 0/1: Keras 2 examples feed bool one-hot targets to accuracy metrics.
    """
    return x.to(torch.uint8) if x.dtype == torch.bool else x
