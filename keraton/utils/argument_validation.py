"""Argument standardisation shared by layers: integer tuples, padding and data_format names.

Matches ``keras.src.utils.argument_validation`` and Keras's
``standardize_data_format``: one home for these checks, so every layer words
its errors the same way.
"""

from __future__ import annotations

import numbers

from keraton import backend


def standardize_positive_int(value, name: str, owner: str) -> int:
    """Return a layer size argument (``units``, ``filters``, ``input_dim``...) as a Python ``int``.

    Any integral number is accepted, numpy integers included, as in Keras 2:
    its ``imdb_fasttext`` example passes ``np.max(ids) + 1`` (a ``numpy.int64``)
    to ``Embedding``, and Keras 2's ``Dense`` and ``Conv`` store ``int(...)`` of
    what they are given.  Converting keeps ``get_config`` plain Python.  Booleans,
    floats and values ``<= 0`` raise ``ValueError`` naming the layer and argument.

    Example:
        >>> standardize_positive_int(np.int64(3), "units", "Dense")
        3
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"{owner}: `{name}` must be a positive integer, got {name}={value!r} "
            f"(of type {type(value).__name__}). Pass an int > 0."
        )
    return int(value)


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple:
    """Turn an int or an iterable of ints into a tuple of ``n`` ints, as Keras's ``standardize_tuple``.

    Raises ``ValueError`` naming the argument when the value has the wrong
    length, holds non-integers, or holds values that are not positive
    (non-negative with ``allow_zero``).

    Example:
        >>> standardize_tuple(2, 3, "pool_size")
        (2, 2, 2)
    """
    error = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value!r}"
    if isinstance(value, bool):
        raise ValueError(error)
    if isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(error) from None
        if len(values) != n:
            raise ValueError(error)
        for v in values:
            if isinstance(v, bool) or not hasattr(v, "__index__"):
                raise ValueError(f"{error}, including element {v!r} of type {type(v).__name__}.")
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        requirement = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{error}, including values {bad} that do not satisfy `value {requirement}`.")
    return values


def standardize_padding(value, allow_causal: bool = False) -> str:
    """Return ``'valid'`` or ``'same'`` (or ``'causal'`` when allowed), lower-cased, as Keras does."""
    if not isinstance(value, str):
        raise ValueError(f"The `padding` argument must be a string, received padding={value!r}.")
    padding = value.lower()
    allowed = {"valid", "same", "causal"} if allow_causal else {"valid", "same"}
    if padding not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {sorted(allowed)}. Received: padding={value!r}."
        )
    return padding


def standardize_data_format(data_format) -> str:
    """Return ``data_format``, or ``backend.image_data_format()`` for ``None``; refuse other names."""
    if data_format is None:
        return backend.image_data_format()
    if not isinstance(data_format, str) or data_format.lower() not in ("channels_last",
                                                                        "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}."
        )
    return data_format.lower()


def standardize_pairs(value, n: int, name: str) -> tuple:
    """Turn ``value`` into ``n`` ``(before, after)`` pairs of non-negative ints (ZeroPadding, Cropping).

    Accepts an int (the same on every side of every axis), ``n`` ints (each
    symmetric on its axis), or ``n`` pairs, as Keras's ``ZeroPadding2D`` and
    ``Cropping2D`` do.

    Example:
        >>> standardize_pairs((1, (2, 3)), 2, "padding")
        ((1, 1), (2, 3))
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value!r}.")
        return ((value, value),) * n
    if not hasattr(value, "__len__") or len(value) != n:
        raise ValueError(
            f"`{name}` should be an int, a tuple of {n} ints or a tuple of {n} tuples of 2 ints. "
            f"Received: {name}={value!r}."
        )
    ordinals = ("1st", "2nd", "3rd")
    return tuple(standardize_tuple(v, 2, f"{ordinals[i]} entry of {name}", allow_zero=True)
                 for i, v in enumerate(value))
