"""Keras 2's deprecated ``AtrousConvolution1D``/``AtrousConvolution2D`` (``keras/legacy/layers.py``).

Keras 1's dilated convolutions.  Keras 2.0-2.2.5 kept the names as functions
that warn and return a ``Conv1D``/``Conv2D`` with ``dilation_rate`` set to the
Keras 1 ``atrous_rate``; keraton does the same, so the layer built, its config
and its weights are those of a plain ``Conv1D``/``Conv2D``.
"""

from __future__ import annotations

import warnings

from keraton.layers.convolutional.conv1d import Conv1D
from keraton.layers.convolutional.conv2d import Conv2D


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _dilation_kwargs(class_name: str, kwargs: dict) -> dict:
    """``atrous_rate`` -> ``dilation_rate`` (1 when absent), and Keras 2's deprecation warning."""
    kwargs = dict(kwargs)
    if "atrous_rate" in kwargs:
        if "dilation_rate" in kwargs:
            raise ValueError(
                f"{class_name} got both `atrous_rate={kwargs['atrous_rate']!r}` and "
                f"`dilation_rate={kwargs['dilation_rate']!r}`; they are the same argument. "
                f"Pass only one of them."
            )
        kwargs["dilation_rate"] = kwargs.pop("atrous_rate")
    else:
        kwargs.setdefault("dilation_rate", 1)
    conv = class_name.replace("AtrousConvolution", "Conv")
    # Keras 2's message, its double space included.
    warnings.warn(f"The `{class_name}` layer  has been deprecated. Use instead the `{conv}` layer "
                  f"with the `dilation_rate` argument.", UserWarning, stacklevel=3)
    return kwargs


def AtrousConvolution1D(*args, **kwargs):
    """Return ``Conv1D(*args, dilation_rate=atrous_rate, **kwargs)``, as Keras 2's deprecated ``AtrousConvolution1D``.

    Warns that the layer is deprecated.  Keras 1's argument names
    (``nb_filter``, ``filter_length``, ``border_mode``, ``init``...) are
    converted by ``Conv1D``, as in Keras 2.

    Example:
        >>> layer = keraton.layers.AtrousConvolution1D(8, 3, atrous_rate=2, border_mode="same")
        >>> type(layer).__name__, layer.dilation_rate, layer.padding
        ('Conv1D', (2,), 'same')
    """
    return Conv1D(*args, **_dilation_kwargs("AtrousConvolution1D", kwargs))


def AtrousConvolution2D(*args, **kwargs):
    """Return ``Conv2D(*args, dilation_rate=atrous_rate, **kwargs)``, as Keras 2's deprecated ``AtrousConvolution2D``.

    Warns that the layer is deprecated.  As in Keras 2, three positional
    integers are Keras 1's ``(nb_filter, nb_row, nb_col)``: a
    ``(nb_row, nb_col)`` kernel (``Conv2D`` on its own would read the third
    as the strides once ``dilation_rate`` is given); Keras 1's keyword names
    are converted by ``Conv2D``.

    Example:
        >>> layer = keraton.layers.AtrousConvolution2D(16, 3, 3, atrous_rate=(2, 2), border_mode="same")
        >>> layer.kernel_size, layer.dilation_rate, layer.padding
        ((3, 3), (2, 2), 'same')
    """
    kwargs = _dilation_kwargs("AtrousConvolution2D", kwargs)
    if len(args) == 3 and _is_int(args[1]) and _is_int(args[2]):
        given = [name for name in ("padding", "strides", "data_format") if name in kwargs]
        if given:
            # Keras 2 refused this mix too: the third integer could be nb_col or the strides.
            raise ValueError(
                f"AtrousConvolution2D got the positional integers {args} (Keras 1's nb_filter, "
                f"nb_row, nb_col) together with the Keras 2 keyword(s) {given}. Pass the kernel "
                f"as a tuple, e.g. AtrousConvolution2D({args[0]}, ({args[1]}, {args[2]}), ...), "
                f"or use Keras 1's names (border_mode, subsample, dim_ordering) throughout."
            )
        args = (args[0], (args[1], args[2]))
    return Conv2D(*args, **kwargs)
