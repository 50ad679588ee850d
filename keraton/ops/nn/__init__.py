"""``keras.ops.nn``: activations, convolutions, pooling, normalization and losses, on torch.

Each op takes what Keras's ops take (tensors, NumPy arrays, Python scalars,
nested lists) and returns torch tensors with the values, shapes and dtypes of
Keras 3 on its torch backend.  The computations behind keraton's layers,
activations and losses are reused here: the convolution arithmetic of
``layers/convolutional/conv_utils.py``, the pooling helpers of
``layers/pooling`` and the functions of ``keraton.activations``.

Where Keras's torch backend fails on an input for an incidental reason (torch
has no integer kernel for ``elu``, ``softmax``, pooling, ...), integer and
bool inputs are computed in ``floatx()`` as Keras's other backends do.
"""

from keraton.ops.nn import activations, convolution, losses, normalization
from keraton.ops.nn.activations import *  # noqa: F401,F403
from keraton.ops.nn.convolution import *  # noqa: F401,F403
from keraton.ops.nn.losses import *  # noqa: F401,F403
from keraton.ops.nn.normalization import *  # noqa: F401,F403

__all__ = sorted([*activations.__all__, *convolution.__all__, *losses.__all__,
                  *normalization.__all__])
