"""Keras 2's ``convert_kernel`` and ``convert_all_kernels_in_model``: flip convolution kernels.

``convert_kernel`` is Keras 2's ``keras.utils.conv_utils.convert_kernel`` (re-exported
by ``keraton.utils.conv_utils``); ``convert_all_kernels_in_model`` lives in
``keras.utils.layer_utils`` in Keras 2 (and was exported as
``tf.keras.utils.convert_all_kernels_in_model`` in TF 1.x); Keras 3 removed it.

Example:
    >>> convert_all_kernels_in_model(model)   # Theano-trained weights -> TensorFlow's
"""

from __future__ import annotations

import numpy as np

__all__ = ["convert_all_kernels_in_model", "convert_kernel"]


def convert_kernel(kernel):
    """A copy of ``kernel`` with its spatial axes reversed (Theano <-> TensorFlow), as Keras 2.

    Every axis but the last two (input and output channels) is flipped, which
    turns a correlation kernel into a convolution kernel and back: applying it
    twice gives the kernel back.

    Args:
        kernel: array of rank 3 (1-D conv), 4 (2-D) or 5 (3-D).

    Returns:
        A new NumPy array of the same shape.

    Raises:
        ValueError: for another rank.
    """
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(
            f"Invalid kernel shape: {kernel.shape}. convert_kernel expects a convolution kernel "
            "of rank 3, 4 or 5 (spatial axes, then input and output channels)."
        )
    return np.flip(kernel, axis=tuple(range(kernel.ndim - 2))).copy()


# As Keras 2: matched by class name, so subclasses and the separable/depthwise
# convolutions (TensorFlow-only when Theano weights existed) are left alone.
_CONV_CLASSES = frozenset({"Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose"})


def convert_all_kernels_in_model(model):
    """Flip the spatial axes of the kernel of each convolution in ``model.layers``, as Keras 2.

    Converts a model loaded with Theano-trained kernels to TensorFlow's (and
    back: the conversion is its own inverse), with
    :func:`convert_kernel`.  As in Keras 2, only the
    model's own layers whose class is exactly ``Conv1D``, ``Conv2D``,
    ``Conv3D`` or ``Conv2DTranspose`` are changed (not those of nested
    models), all at once, in place; biases stay as they are.

    Args:
        model: a built model.
    """
    from keraton.backend_functions.state_ops import (  # imports keraton.utils
        batch_set_value,
        get_value,
    )

    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(
            f"convert_all_kernels_in_model expects a Keras model (with `.layers`); got "
            f"{type(model).__name__}."
        )
    to_assign = []
    for layer in layers:
        if type(layer).__name__ in _CONV_CLASSES:
            kernel = getattr(layer, "kernel", None)
            if kernel is None:
                raise ValueError(
                    f"Layer '{layer.name}' of model '{model.name}' has no kernel yet: build the "
                    "model (call it on data or give it an Input) before converting its kernels."
                )
            to_assign.append((kernel, convert_kernel(get_value(kernel))))
    batch_set_value(to_assign)
