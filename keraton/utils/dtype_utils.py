"""``keras.utils.standardize_dtype``: any dtype spelling as Keras's dtype name."""

from keraton import backend


def standardize_dtype(dtype) -> str:
    """The Keras name (``'float32'``) of a dtype given as a name, torch dtype or NumPy dtype;
    ``None`` is ``floatx()`` and ``'int'`` is ``'int32'``, as in Keras 3 on torch."""
    if dtype == "int":
        dtype = "int32"
    elif dtype == "float":
        raise ValueError(f"Invalid dtype: {dtype!r}. Give a sized name such as 'float32'.")
    return backend.dtype_name(backend.standardize_dtype(dtype))
