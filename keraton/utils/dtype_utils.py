"""``keras.utils.standardize_dtype``: any dtype spelling as Keras's dtype name; ``bool_as_uint8``."""

import torch

from keraton.backend import standardize_dtype  # noqa: F401  (keras.utils.standardize_dtype)


def bool_as_uint8(x):
    """``x`` with a bool dtype cast to uint8, for ``torch.argmax``/``argmin``, which reject bool.

    Keras (``ops.argmax`` on torch, ``tf.argmax`` in Keras 2) takes boolean
    input as 0/1: Keras 2 examples feed bool one-hot targets to accuracy metrics.
    """
    return x.to(torch.uint8) if x.dtype == torch.bool else x
