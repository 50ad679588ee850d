"""Keras 2 backend graph functions: ``K.function`` and ``K.eval``.

``K.function([model.input], [layer.output])`` is how Keras 2 programs read a
layer's activations: keraton builds a functional model from the symbolic
tensors and returns a callable that runs it on arrays and gives NumPy back,
as tf.keras 2's eager ``K.function`` does.

Example:
    >>> from keraton import backend as K
    >>> inp = keraton.Input((3,))
    >>> hidden = keraton.layers.Dense(2, kernel_initializer="ones")(inp)
    >>> K.function([inp], [hidden])([np.ones((1, 3))])
    [array([[3., 3.]], dtype=float32)]
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from keraton.backend_functions.state_ops import get_value
from keraton.layers.keras_tensor import KerasTensor


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A callable computing symbolic ``outputs`` from ``inputs`` on arrays (Keras 2's ``K.function``).

    ``inputs`` are ``keraton.Input`` tensors (one or a list); a list may also
    hold ``K.learning_phase()``, whose value in the call (0 or 1) runs the
    layers in inference or training mode, as Keras 2 did.  The callable takes
    the values in the same structure and returns NumPy arrays: a list when
    ``outputs`` is a list.  ``updates`` (Keras 1/2 graph-mode assignments)
    are not supported.
    """
    del name, kwargs  # Keras 2's session options; nothing to configure on torch
    if updates:
        raise ValueError(
            "K.function(updates=...) is not supported: keraton runs eagerly on torch. Apply the "
            "updates yourself after calling the function (e.g. K.set_value or tensor.copy_)."
        )
    from keraton.models.functional import Functional

    single_input = not isinstance(inputs, (list, tuple))
    entries = [inputs] if single_input else list(inputs)
    symbolic = [i for i, t in enumerate(entries) if isinstance(t, KerasTensor)]
    phases = [i for i, t in enumerate(entries) if not isinstance(t, KerasTensor)]
    bad = [entries[i] for i in phases if not isinstance(entries[i], numbers.Integral)]
    if bad:
        raise ValueError(
            f"K.function inputs must be symbolic tensors from keraton.Input (or "
            f"K.learning_phase()); got {bad!r}."
        )
    model = Functional([entries[i] for i in symbolic], outputs)

    def run(values):
        values = [values] if single_input else list(values)
        if len(values) != len(entries):
            raise ValueError(
                f"This K.function takes {len(entries)} input value(s) (one per input given to "
                f"K.function), got {len(values)}."
            )
        training = bool(values[phases[0]]) if phases else False
        with torch.no_grad():
            out = model([np.asarray(values[i]) if not isinstance(values[i], torch.Tensor)
                         else values[i] for i in symbolic], training=training)
        if isinstance(outputs, (list, tuple)):
            out = out if isinstance(out, (list, tuple)) else [out]
            return [get_value(o) for o in out]
        return get_value(out)

    return run


def eval(x):  # noqa: A001  (Keras 2's name)
    """The value of a tensor or variable as NumPy, as Keras 2's ``K.eval``."""
    return get_value(x)
