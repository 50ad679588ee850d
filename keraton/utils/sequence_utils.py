"""``pad_sequences``: pad or truncate a list of sequences to one length, as Keras 3."""

from __future__ import annotations

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (or truncate) sequences to a common length and stack them in a NumPy array.

    Matches ``keras.utils.pad_sequences`` (Keras 3, also
    ``keras.preprocessing.sequence.pad_sequences`` in Keras 2): ``maxlen``
    defaults to the longest sequence; ``padding``/``truncating`` ``"pre"``
    (default) work at the start, ``"post"`` at the end; ``value`` fills; items
    may themselves be arrays (their shape is kept as trailing dimensions).

    Args:
        sequences: list of sequences (lists or arrays).
        maxlen: length of the result (``None``: the longest).
        dtype: dtype of the result (use ``object`` for variable-length strings).
        padding: ``"pre"`` or ``"post"``.
        truncating: ``"pre"`` or ``"post"``.
        value: the padding value.

    Returns:
        An array of shape ``(len(sequences), maxlen, *item_shape)``.

    Example:

    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post").tolist()
    [[2, 3], [4, 0]]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: `sequences` must be iterable. Received: {type(sequences).__name__}")
    if padding not in ("pre", "post"):
        raise ValueError(f'pad_sequences: padding type "{padding}" not understood; expected "pre" or "post".')
    if truncating not in ("pre", "post"):
        raise ValueError(f'pad_sequences: truncating type "{truncating}" not understood; '
                         'expected "pre" or "post".')
    lengths, sample_shape = [], None
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError(f"pad_sequences: `sequences` must be a list of iterables. "
                             f"Found non-iterable: {x!r}") from e
        if sample_shape is None and len(x):
            sample_shape = np.asarray(x).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_str_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_str_dtype:
        raise ValueError(f"pad_sequences: `dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}. Set `dtype=object` for variable length strings.")
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s) or maxlen == 0:
            continue
        trunc = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if trunc.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: shape of sample {trunc.shape[1:]} of sequence at position "
                             f"{idx} is different from expected shape {tuple(sample_shape)}")
        if padding == "post":
            out[idx, :len(trunc)] = trunc
        else:
            out[idx, -len(trunc):] = trunc
    return out
