"""``keras.ops.nn`` activations (``relu``, ``gelu``, ``softmax`` ...) and the helpers the other
``nn`` modules share: integer and bool inputs are computed in ``floatx()``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from keraton import activations, backend
from keraton.ops._utils import convert_to_tensor, keras_op

__all__ = [
    "celu", "elu", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "leaky_relu", "log_sigmoid", "log_softmax", "relu", "relu6", "selu",
    "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus",
    "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh_shrink", "threshold",
]


# --------------------------------------------------------------------------- helpers


def _floatx() -> torch.dtype:
    return backend.torch_dtype(None)


def _float(x) -> torch.Tensor:
    """``x`` as a tensor; integer and bool inputs become ``floatx()``."""
    x = convert_to_tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(_floatx())
    return x


def _common_float(*values) -> list:
    """Tensors of one promoted dtype (integers: ``floatx()``), on the first given tensor's device."""
    device = next((v.device for v in values if isinstance(v, torch.Tensor)), None)
    tensors = [convert_to_tensor(v) for v in values]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    if not dtype.is_floating_point:
        dtype = _floatx()
    return [t.to(device=device, dtype=dtype) for t in tensors]


def _at_least_float32(dtype: torch.dtype) -> torch.dtype:
    """The dtype statistics are computed in: float32 for half types and integers."""
    return dtype if dtype == torch.float64 else torch.float32


# --------------------------------------------------------------------------- activations

@keras_op
def relu(x):
    """``max(x, 0)``; integer inputs keep their dtype, as Keras's ``ops.relu``."""
    x = convert_to_tensor(x)
    return F.relu(x.to(_floatx()) if x.dtype == torch.bool else x)


@keras_op
def relu6(x):
    """``min(max(x, 0), 6)``; integer inputs keep their dtype, as Keras's ``ops.relu6``."""
    x = convert_to_tensor(x)
    return F.relu6(x.to(_floatx()) if x.dtype == torch.bool else x)


@keras_op
def hard_tanh(x):
    """``clip(x, -1, 1)``; integer inputs keep their dtype, as Keras's ``ops.hard_tanh``."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool or x.dtype == torch.uint8:
        x = x.to(_floatx())
    return F.hardtanh(x, -1.0, 1.0)


@keras_op
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value`` (``F.threshold``, as Keras)."""
    x = convert_to_tensor(x)
    return F.threshold(x.to(_floatx()) if x.dtype == torch.bool else x, threshold, default_value)


# One-to-one mappings onto keraton.activations (Keras's formulas); integer inputs -> floatx.
@keras_op
def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``."""
    return activations.sigmoid(_float(x))


@keras_op
def sparse_sigmoid(x):
    """0 below -1, 1 above 1, ``(x + 1) / 2`` between."""
    return activations.sparse_sigmoid(_float(x))


@keras_op
def softplus(x):
    """``log(1 + exp(x))``."""
    return activations.softplus(_float(x))


@keras_op
def softsign(x):
    """``x / (abs(x) + 1)``."""
    return activations.softsign(_float(x))


@keras_op
def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return activations.soft_shrink(_float(x), threshold)


@keras_op
def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` above."""
    return activations.sparse_plus(_float(x))


@keras_op
def silu(x):
    """``x * sigmoid(x)`` (also called swish)."""
    return activations.silu(_float(x))


swish = silu


@keras_op
def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``."""
    return activations.squareplus(_float(x), b)


@keras_op
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return activations.log_sigmoid(_float(x))


@keras_op
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x > 0``, else ``negative_slope * x``."""
    return activations.leaky_relu(_float(x), negative_slope)


@keras_op
def hard_sigmoid(x):
    """``relu6(x + 3) / 6``."""
    return activations.hard_sigmoid(_float(x))


@keras_op
def hard_silu(x):
    """``x * relu6(x + 3) / 6`` (also called hard swish)."""
    return activations.hard_silu(_float(x))


hard_swish = hard_silu


@keras_op
def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return activations.elu(_float(x), alpha)


@keras_op
def selu(x):
    """Scaled ELU with the constants of Klambauer et al. (2017)."""
    return activations.selu(_float(x))


@keras_op
def gelu(x, approximate=True):
    """Gaussian error linear unit; Keras's op defaults to the tanh approximation."""
    return activations.gelu(_float(x), approximate)


@keras_op
def celu(x, alpha=1.0):
    """``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return activations.celu(_float(x), alpha)


@keras_op
def glu(x, axis=-1):
    """Split ``x`` in halves ``a, b`` along ``axis`` (even size required); ``a * sigmoid(b)``."""
    x = _float(x)
    if x.ndim and x.shape[axis] % 2:
        raise ValueError(
            f"glu: the size of axis {axis} must be even (it is split in two halves), got input "
            f"shape {tuple(x.shape)}.")
    return activations.glu(x, axis)


@keras_op
def tanh_shrink(x):
    """``x - tanh(x)``."""
    return activations.tanh_shrink(_float(x))


@keras_op
def hard_shrink(x, threshold=0.5):
    """``x`` where ``abs(x) > threshold``, else 0."""
    return activations.hard_shrink(_float(x), threshold)


@keras_op
def softmax(x, axis=-1):
    """Softmax along ``axis`` (int, tuple of ints, or None for all axes); warns on a size-1 axis."""
    return activations.softmax(_float(x), axis)


@keras_op
def log_softmax(x, axis=-1):
    """Log-softmax ``x - logsumexp(x)`` along ``axis`` (int, tuple, or None for all axes)."""
    return activations.log_softmax(_float(x), axis)


@keras_op
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex along ``axis``."""
    return activations.sparsemax(_float(x), axis)


